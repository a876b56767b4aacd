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

describe('SETUP_TIMEOUT_MS and ROOM_WATCH_MS', () => {
  it('are absent unless a test sets them', () => {
    expect(parseConfig({ ...base })).toMatchObject({ setupTimeoutMs: undefined, roomWatchMs: undefined });
    expect(parseConfig({ ...base, SETUP_TIMEOUT_MS: '8000', ROOM_WATCH_MS: '1000' })).toMatchObject({
      setupTimeoutMs: 8000,
      roomWatchMs: 1000,
    });
  });

  it('refuses at start what is not a whole number of milliseconds in bounds', () => {
    for (const bad of ['', '0', '999', '3600001', '1.5', 'soon']) {
      expect(() => parseConfig({ ...base, SETUP_TIMEOUT_MS: bad }), bad).toThrow(/SETUP_TIMEOUT_MS: /);
    }
    for (const bad of ['', '0', '99', '60001', '2.5', 'often']) {
      expect(() => parseConfig({ ...base, ROOM_WATCH_MS: bad }), bad).toThrow(/ROOM_WATCH_MS: /);
    }
  });
});
