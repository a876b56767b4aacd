import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { loadOrCreateHostKey } from '../src/ssh/host-key';

const parses = (k: Buffer) => !(ssh2.utils.parseKey(k) instanceof Error);

describe("the SSH gateway's host key", () => {
  it('is always one the gateway can load (ssh2 generates an unparsable ed25519 key about 1 in 250 times)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-hostkey-'));
    try {
      for (let i = 0; i < 400; i++) {
        const sub = mkdtempSync(join(dir, `${i}-`));
        const key = loadOrCreateHostKey(sub);
        expect(parses(key)).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a good key across starts and replaces a corrupt one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-hostkey-'));
    try {
      const first = loadOrCreateHostKey(dir);
      expect(loadOrCreateHostKey(dir).equals(first)).toBe(true);
      writeFileSync(join(dir, 'ssh_host_ed25519_key'), first.subarray(0, 40));
      const replaced = loadOrCreateHostKey(dir);
      expect(parses(replaced)).toBe(true);
      expect(readFileSync(join(dir, 'ssh_host_ed25519_key')).equals(replaced)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
