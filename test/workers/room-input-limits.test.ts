import { describe, expect, it } from 'vitest';
import { INPUT_LIMITS, InputMeter } from '../../durable-objects/room/input-limits';

describe("a terminal socket's input budget", () => {
  it('lets typing, acks and a 1 MiB paste through', () => {
    const m = new InputMeter(0);
    // A 1 MiB paste in 16 KiB frames, at once.
    for (let i = 0; i < 64; i++) expect(m.take(16 * 1024, 0)).toBe('ok');
    // Then a second of typing and acks, 300 frames.
    for (let i = 0; i < 300; i++) expect(m.take(8, 1000 + i * 3)).toBe('ok');
  });

  it('drops a flood, warns once, and closes it when it goes on past a second', () => {
    const m = new InputMeter(0);
    const verdicts: string[] = [];
    // 5,000 frames a second for 2 s.
    for (let i = 0; i < 10_000; i++) verdicts.push(m.take(15, i * 0.2));
    expect(verdicts.filter((v) => v === 'warn')).toHaveLength(1);
    const firstDrop = verdicts.indexOf('warn') * 0.2;
    const firstClose = verdicts.indexOf('close') * 0.2;
    expect(firstClose - firstDrop).toBeGreaterThanOrEqual(INPUT_LIMITS.closeAfterMs);
    expect(firstClose - firstDrop).toBeLessThan(INPUT_LIMITS.closeAfterMs + 50);
    // Before the close most frames were dropped, not handled.
    const handled = verdicts.slice(0, verdicts.indexOf('close')).filter((v) => v === 'ok').length;
    expect(handled).toBeLessThan(INPUT_LIMITS.frameBurst + INPUT_LIMITS.framesPerSecond * 1.5);
  });

  it('judges a later burst afresh after a quiet second, without a second warning', () => {
    const m = new InputMeter(0);
    let t = 0;
    const burst = () => {
      const out: string[] = [];
      for (let i = 0; i < 1500; i++) out.push(m.take(15, (t += 0.2)));
      return out;
    };
    expect(burst()).toContain('warn');
    t += 5_000;
    const second = burst();
    expect(second).not.toContain('warn');
    expect(second).not.toContain('close');
  });

  it('answers a few malformed frames, and lets heartbeats through every few seconds', () => {
    const m = new InputMeter(0);
    const answered = Array.from({ length: 10 }, () => m.answerBadFrame()).filter(Boolean);
    expect(answered).toHaveLength(INPUT_LIMITS.badFrameReplies);
    expect(m.heartbeatDue(0)).toBe(true);
    expect(m.heartbeatDue(1_000)).toBe(false);
    expect(m.heartbeatDue(INPUT_LIMITS.heartbeatEveryMs)).toBe(true);
  });
});
