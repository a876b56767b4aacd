import { chmodSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createPart, waitUntil, type Part } from './supervisor';
import { httpAnswers } from './parts';

const wranglerBin = fileURLToPath(new URL('../../node_modules/wrangler/bin/wrangler.js', import.meta.url));

/**
 * The vars as a dotenv file only the user can read: secrets (the database URL with its password, the
 * auth secret, the VM host key) must not be on a command line that `ps` shows every local user.
 */
function writeEnvFile(path: string, vars: Record<string, string>) {
  const lines = Object.entries(vars).map(([k, v]) => {
    if (!/^[A-Z_][A-Z0-9_]*$/i.test(k) || /['\r\n]/.test(v))
      throw new Error(`cannot pass ${k} in an env file`);
    return `${k}='${v}'`;
  });
  writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

/**
 * `wrangler dev` (workerd) on the given port with the given vars, supervised: it is ready when
 * `/api/health` answers, and restarted when it exits (a client that hung up mid-body made it exit,
 * workers-sdk #15203, until scripts/patch-wrangler.mjs).
 */
export function wranglerPart(opts: {
  port: number;
  persistTo: string;
  vars: Record<string, string>;
  /** Where the vars are written (mode 0600) for wrangler's `--env-file`. */
  envFile: string;
  log: (line: string) => void;
  onOutput?: (line: string) => void;
  readyPath?: string;
  timeoutMs?: number;
  inspectorPort?: number;
}): Part {
  const args = [
    wranglerBin,
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--persist-to',
    opts.persistTo,
  ];
  if (opts.inspectorPort) args.push('--inspector-port', String(opts.inspectorPort));
  args.push('--live-reload=false', '--show-interactive-dev-session=false', '--log-level', 'warn');
  writeEnvFile(opts.envFile, opts.vars);
  // With --env-file wrangler reads neither .dev.vars nor .env from the project: only this file.
  args.push('--env-file', opts.envFile);
  const url = `http://127.0.0.1:${opts.port}`;
  return createPart({
    name: 'workerd',
    // process.execPath: wrangler needs Node 22, which `npm run` puts first on PATH.
    command: process.execPath,
    args,
    env: {
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_SEND_METRICS: 'false',
      CI: 'true',
      CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: 'true',
      // Only the file: the user's own environment never becomes the Worker's.
      CLOUDFLARE_INCLUDE_PROCESS_ENV: 'false',
    },
    ready: (part) =>
      waitUntil(
        part,
        `answer ${opts.readyPath ?? '/api/health'}`,
        async () => {
          const res = await fetch(url + (opts.readyPath ?? '/api/health'));
          await res.body?.cancel();
          return res.status < 500 || res.status === 503;
        },
        opts.timeoutMs ?? 60_000,
      ),
    alive: () => httpAnswers(`${url}/api/config`),
    // Lenient: a Worker busy with a flood on two shared cores is slow, not hung.
    hungAfterChecks: 10,
    log: opts.log,
    onOutput: opts.onOutput,
  });
}
