import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';

const parses = (key: string | Buffer) => !(ssh2.utils.parseKey(key) instanceof Error);

/**
 * The gateway's persistent host key, created on first start. Written to a temporary file and renamed,
 * so a process starting alongside never reads half a key; a key that does not parse is replaced.
 */
export function loadOrCreateHostKey(dataDir: string): Buffer {
  const file = join(dataDir, 'ssh_host_ed25519_key');
  if (existsSync(file)) {
    const existing = readFileSync(file);
    if (parses(existing)) return existing;
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const { private: key } = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'vm-host gateway' });
    if (!parses(key)) continue;
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, key, { mode: 0o600 });
    renameSync(tmp, file);
    return Buffer.from(key);
  }
  throw new Error('could not create an SSH host key that parses');
}
