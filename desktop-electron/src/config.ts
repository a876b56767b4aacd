import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8787';

export interface DesktopConfig {
  /** Where the web app is served: the window shows it, and the bridge calls its API. */
  serverUrl: string;
  /** Origins the window may also navigate to (OAuth providers); none by default. */
  extraNavigationOrigins: string[];
}

/** `http(s)://host[:port]` without path, or an error. */
export function normalizeServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`Not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`The server URL must be http(s): ${JSON.stringify(raw)}`);
  }
  if (url.username || url.password) throw new Error('The server URL must not contain credentials');
  return url.origin;
}

/**
 * The server URL, first found wins: `--server-url=<url>`, `CLOUD_WORKSPACES_URL`, `config.json` in the
 * user data folder (`{ "serverUrl": "...", "extraNavigationOrigins": [...] }`), the local stack.
 */
export function loadConfig(opts: {
  argv: string[];
  env: Record<string, string | undefined>;
  userData: string;
}): DesktopConfig {
  let file: Partial<DesktopConfig> = {};
  const path = join(opts.userData, 'config.json');
  if (existsSync(path)) {
    try {
      file = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`${path} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const fromArgv = opts.argv.find((a) => a.startsWith('--server-url='))?.slice('--server-url='.length);
  const serverUrl = normalizeServerUrl(
    fromArgv || opts.env.CLOUD_WORKSPACES_URL || file.serverUrl || DEFAULT_SERVER_URL,
  );
  const extra = Array.isArray(file.extraNavigationOrigins) ? file.extraNavigationOrigins : [];
  return { serverUrl, extraNavigationOrigins: extra.map((o) => normalizeServerUrl(String(o))) };
}
