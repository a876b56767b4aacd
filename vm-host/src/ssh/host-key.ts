import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';

/** The gateway's host key, made once and kept in the data dir, so clients' known_hosts stay valid. */
export function loadOrCreateHostKey(dataDir: string): Buffer {
  const file = join(dataDir, 'ssh_host_ed25519_key');
  if (!existsSync(file)) {
    const { private: key } = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'vm-host gateway' });
    writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file);
}
