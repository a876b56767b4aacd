import { describe, expect, it } from 'vitest';
import { SSH_SESSION_STALE_S, parseSshSessions, sshSessionsScript } from './ssh-env';

// The room's presence scan (room/ssh-presence.ts) reads only marker names and times.

describe('the SSH presence scan', () => {
  it('answers live sessions with their terminal time; a stale marker, a foreign name or junk is not one', () => {
    const now = 1_800_000_000;
    const out = [
      `now ${now}`,
      `cw-ssh-0123456789ab.42 ${now - 1} ${now - 30} ${now - 3}`,
      `cw-ssh-0123456789ab.43 ${now} run`,
      `cw-ssh-ba9876543210.7 ${now - SSH_SESSION_STALE_S - 1} ${now} ${now}`,
      `root.1 ${now} run`,
      `cw-ssh-0123456789ab.x ${now} run`,
      'garbage',
      'lost cw-ssh-00000000000a',
      'lost root',
      'lost cw-ssh-00000000000b extra',
      '',
    ].join('\n');
    expect(parseSshSessions(out)).toEqual({
      now,
      sessions: [
        { key: 'cw-ssh-0123456789ab.42', linuxUser: 'cw-ssh-0123456789ab', ttyAt: now - 3 },
        { key: 'cw-ssh-0123456789ab.43', linuxUser: 'cw-ssh-0123456789ab', ttyAt: null },
      ],
      lost: ['cw-ssh-00000000000a'],
    });
  });

  it('reads no process environment, and asks only after the files of the grant users it is given', () => {
    expect(sshSessionsScript(['cw-ssh-0123456789ab'])).not.toMatch(/environ|\/proc/);
    expect(sshSessionsScript(['cw-ssh-0123456789ab'])).toContain('/run/cw-ssh/cw-ssh-0123456789ab/env');
    expect(() => sshSessionsScript(['root; rm -rf /'])).toThrow(/not an SSH grant user/);
  });
});
