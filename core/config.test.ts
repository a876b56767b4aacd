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

describe('RELAY_STATS and RELAY_PARSE_*', () => {
  it('are off and absent unless a test or the bench sets them', () => {
    expect(parseConfig({ ...base }).relay).toEqual({ stats: false });
    expect(
      parseConfig({
        ...base,
        RELAY_STATS: '1',
        RELAY_PARSE_BACKLOG_BYTES: '131072',
        RELAY_EMULATOR_TAIL_BYTES: '65536',
        RELAY_PARSE_SLICE_BYTES: '4096',
      }).relay,
    ).toEqual({ stats: true, maxParseBacklogBytes: 131072, emulatorTailBytes: 65536, parseSliceBytes: 4096 });
    expect(parseConfig({ ...base, RELAY_STATS: '0' }).relay.stats).toBe(false);
  });

  it('refuses at start a switch that is not a flag and a bound that is not a whole size in bounds', () => {
    for (const bad of ['yes', 'on', '2']) {
      expect(() => parseConfig({ ...base, RELAY_STATS: bad }), bad).toThrow(/RELAY_STATS: /);
    }
    for (const name of [
      'RELAY_PARSE_BACKLOG_BYTES',
      'RELAY_EMULATOR_TAIL_BYTES',
      'RELAY_PARSE_SLICE_BYTES',
    ]) {
      for (const bad of ['', '0', '-4096', '1023', String(32 * 1024 * 1024 + 1), '1.5', 'big', '128k']) {
        expect(() => parseConfig({ ...base, [name]: bad }), `${name}=${bad}`).toThrow(
          new RegExp(`Invalid configuration: ${name}: `),
        );
      }
    }
  });
});
