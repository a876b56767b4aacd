import { describe, expect, it } from 'vitest';
import { parseConfig } from './config';

const base = {
  DATABASE_URL: 'postgres://x',
  BETTER_AUTH_SECRET: 's'.repeat(32),
  BETTER_AUTH_URL: 'http://127.0.0.1:8787',
  FREESTYLE_API_KEY: 'k',
};

describe('IDLE_MINUTE_MS', () => {
  it('is a minute unless a test shortens it', () => {
    expect(parseConfig({ ...base }).idleMinuteMs).toBe(60_000);
    expect(parseConfig({ ...base, IDLE_MINUTE_MS: '5000' }).idleMinuteMs).toBe(5000);
  });

  it('refuses at start what is not a whole number of milliseconds from 1 s to a minute', () => {
    for (const bad of ['', '0', '-5000', '999', '60001', '1.5', 'abc', '5s']) {
      expect(() => parseConfig({ ...base, IDLE_MINUTE_MS: bad }), bad).toThrow(
        /Invalid configuration: IDLE_MINUTE_MS: /,
      );
    }
  });
});
