import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalSecrets {
  authSecret: string;
  vmHostApiKey: string;
  /** The embedded Postgres superuser's password. */
  postgresPassword: string;
  /** Workspace secrets' AES-GCM key (SECRETS_ENCRYPTION_KEY), base64 of 32 bytes. */
  secretsEncryptionKey: string;
}

const generators: Record<keyof LocalSecrets, () => string> = {
  authSecret: () => randomBytes(32).toString('hex'),
  vmHostApiKey: () => `local_${randomBytes(24).toString('hex')}`,
  postgresPassword: () => randomBytes(24).toString('hex'),
  secretsEncryptionKey: () => randomBytes(32).toString('base64'),
};

/**
 * Generated on first start and kept in the data dir (mode 0600), so sessions survive a restart; a
 * secret added later (the Postgres password) is generated into an existing file.
 */
export function loadLocalSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, 'secrets.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>) : {};
  const secrets = { ...stored } as LocalSecrets;
  let changed = !existsSync(file);
  for (const [name, make] of Object.entries(generators) as [keyof LocalSecrets, () => string][]) {
    if (secrets[name]) continue;
    secrets[name] = make();
    changed = true;
  }
  mkdirSync(dataDir, { recursive: true });
  if (changed) writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}
