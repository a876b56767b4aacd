import { describe, expect, it } from 'vitest';
import {
  flowWindowFor,
  FLOW_WINDOW_BUDGET_BYTES,
  FLOW_WINDOW_MAX_BYTES,
  FLOW_WINDOW_MIN_BYTES,
} from './index';

describe('flowWindowFor', () => {
  it('gives few viewers the full window and shares a bounded budget among many', () => {
    expect(flowWindowFor(1)).toBe(FLOW_WINDOW_MAX_BYTES);
    expect(flowWindowFor(12)).toBe(FLOW_WINDOW_MAX_BYTES);
    expect(flowWindowFor(50)).toBeLessThan(FLOW_WINDOW_MAX_BYTES);
    for (const n of [1, 2, 13, 50, 96])
      expect(n * flowWindowFor(n)).toBeLessThanOrEqual(FLOW_WINDOW_BUDGET_BYTES);
    expect(flowWindowFor(10_000)).toBe(FLOW_WINDOW_MIN_BYTES);
    expect(flowWindowFor(0)).toBe(FLOW_WINDOW_MAX_BYTES);
  });
});
