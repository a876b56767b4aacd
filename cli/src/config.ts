import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, Exit } from './errors';

export interface Credentials {
  url: string;
  key: string;
}

/** `$CW_CONFIG_DIR`, else `$XDG_CONFIG_HOME/cloud-workspaces`, else `~/.config/cloud-workspaces`. */
export function configDir(): string {
  if (process.env.CW_CONFIG_DIR) return process.env.CW_CONFIG_DIR;
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'cloud-workspaces');
}

const file = () => join(configDir(), 'credentials.json');

export function saveCredentials(c: Credentials) {
  mkdirSync(configDir(), { recursive: true, mode: 0o700 });
  // The key is a password: readable by its owner only, even if the file existed with other modes.
  writeFileSync(file(), JSON.stringify(c, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file(), 0o600);
}

export function removeCredentials(): boolean {
  if (!existsSync(file())) return false;
  rmSync(file());
  return true;
}

/** `CW_URL` + `CW_API_KEY` win over the stored login (CI, scripts). */
export function loadCredentials(): Credentials {
  if (process.env.CW_API_KEY) {
    return { url: process.env.CW_URL ?? 'http://127.0.0.1:8787', key: process.env.CW_API_KEY };
  }
  if (!existsSync(file())) throw new CliError('Not signed in. Run `cw login` first.', Exit.notSignedIn);
  return JSON.parse(readFileSync(file(), 'utf8')) as Credentials;
}
