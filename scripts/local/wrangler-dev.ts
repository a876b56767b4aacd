import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface WranglerDev {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

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

/** Starts `wrangler dev` (workerd) on the given port with the given vars, and waits until it answers. */
export async function startWranglerDev(opts: {
  port: number;
  persistTo: string;
  vars: Record<string, string>;
  /** Where the vars are written (mode 0600) for wrangler's `--env-file`. */
  envFile: string;
  onOutput?: (line: string) => void;
  readyPath?: string;
  timeoutMs?: number;
  inspectorPort?: number;
}): Promise<WranglerDev> {
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
  // process.execPath: wrangler needs Node 22, which `npm run` puts first on PATH.
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_SEND_METRICS: 'false',
      CI: 'true',
      CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV: 'true',
      // Only the file: the user's own environment never becomes the Worker's.
      CLOUDFLARE_INCLUDE_PROCESS_ENV: 'false',
    },
    detached: false,
  });
  const output: string[] = [];
  const onData = (buf: Buffer) => {
    for (const line of buf.toString().split('\n')) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 200) output.shift();
      opts.onOutput?.(line);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  const url = `http://127.0.0.1:${opts.port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`wrangler dev exited with code ${child.exitCode}:\n${output.join('\n')}`);
    }
    try {
      const res = await fetch(url + (opts.readyPath ?? '/api/health'));
      await res.body?.cancel();
      if (res.status < 500 || res.status === 503) return { url, process: child, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  await stop();
  throw new Error(`wrangler dev did not answer within ${opts.timeoutMs ?? 60_000} ms:\n${output.join('\n')}`);
}
