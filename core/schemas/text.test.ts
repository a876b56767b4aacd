import { describe, expect, it } from 'vitest';
import { printable } from './text';

describe('printable', () => {
  it('drops what would act on a terminal or reorder what people read, trims, and cuts', () => {
    expect(printable('  Web app  ', 60)).toBe('Web app');
    expect(printable('Vite \u001b[2J\u001b]0;owned\u0007HMR', 60)).toBe('Vite [2J]0;ownedHMR');
    expect(printable('abc\u202eevil.exe\u2066', 60)).toBe('abcevil.exe');
    expect(printable('line\nbreak\r\u2028', 60)).toBe('linebreak');
    expect(printable('x\ud800y', 60)).toBe('xy');
    expect(printable('😀'.repeat(70), 60)).toBe('😀'.repeat(60));
    expect(printable('\u001b\u0007 ', 60)).toBeUndefined();
  });
});
