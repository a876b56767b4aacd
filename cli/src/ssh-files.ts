import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

const quote = (s: string) => `"${s.replace(/(["\\$`])/g, '\\$1')}"`;

/**
 * OpenSSH's ProxyCommand through cw (commands/ssh-proxy.ts): the connection resumes the workspace,
 * shows in presence and counts as activity. The config folder goes along: editors run ssh without
 * cw's environment.
 */
export function proxyCommand(workspaceId: string): string {
  const bin = fileURLToPath(new URL('../bin/cw.mjs', import.meta.url));
  return `env CW_CONFIG_DIR=${quote(configDir())} ${quote(process.execPath)} ${quote(bin)} ssh-proxy ${workspaceId} %h %p`;
}

export function hostBlock(a: SshAccessResponse, workspaceId: string): string {
  return [
    `# ${a.hostAlias}: made by cw, token valid until ${a.expiresAt}`,
    a.sshConfig.trimEnd(),
    `  ProxyCommand ${proxyCommand(workspaceId)}`,
    `  UserKnownHostsFile ${knownHostsFile()}`,
    '  StrictHostKeyChecking accept-new',
    '',
  ].join('\n');
}

/** Writes the workspace's block and makes sure ~/.ssh/config includes cw's blocks; answers its path. */
export function installHostBlock(a: SshAccessResponse, workspaceId: string): string {
  mkdirSync(blocksDir(), { recursive: true, mode: 0o700 });
  const file = join(blocksDir(), `${a.hostAlias}.conf`);
  writeFileSync(file, hostBlock(a, workspaceId), { mode: 0o600 });
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
