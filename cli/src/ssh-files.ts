import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SshAccessResponse } from '../../core/api/ssh';
import { configDir } from './config';

// Where cw keeps what OpenSSH reads: the gateway's host keys, and one Host block per workspace, which
// ~/.ssh/config includes (so editors' remote modes find `cw-<name>` hosts).

export const knownHostsFile = () => join(configDir(), 'known_hosts');
const blocksDir = () => join(configDir(), 'ssh');

/** Host keys are pinned on first use, in cw's own file (the gateway is not one of your servers). */
export const hostKeyOptions = () => [
  '-o',
  `UserKnownHostsFile=${knownHostsFile()}`,
  '-o',
  'StrictHostKeyChecking=accept-new',
];

export function hostBlock(a: SshAccessResponse): string {
  return [
    `# ${a.hostAlias}: made by cw, token valid until ${a.expiresAt}`,
    a.sshConfig.trimEnd(),
    `  UserKnownHostsFile ${knownHostsFile()}`,
    '  StrictHostKeyChecking accept-new',
    '',
  ].join('\n');
}

/** Writes the workspace's block and makes sure ~/.ssh/config includes cw's blocks; answers its path. */
export function installHostBlock(a: SshAccessResponse): string {
  mkdirSync(blocksDir(), { recursive: true, mode: 0o700 });
  const file = join(blocksDir(), `${a.hostAlias}.conf`);
  writeFileSync(file, hostBlock(a), { mode: 0o600 });
  const sshDir = join(homedir(), '.ssh');
  const userConfig = join(sshDir, 'config');
  const include = `Include ${join(blocksDir(), '*.conf')}`;
  const current = existsSync(userConfig) ? readFileSync(userConfig, 'utf8') : '';
  if (!current.split('\n').some((l) => l.trim() === include)) {
    mkdirSync(sshDir, { recursive: true, mode: 0o700 });
    // Before any Host line: an Include inside a Host block would apply only to that host.
    writeFileSync(userConfig, `# Cloud Workspaces (cw)\n${include}\n\n${current}`, { mode: 0o600 });
  }
  return file;
}
