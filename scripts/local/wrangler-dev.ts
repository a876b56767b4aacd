import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface WranglerDev {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const wranglerBin = fileURLToPath(new URL('../../node_modules/wrangler/bin/wrangler.js', import.meta.url));

/** Starts `wrangler dev` (workerd) on the given port with the given vars, and waits until it answers. */
export async function startWranglerDev(opts: {
  port: number;
  persistTo: string;
  vars: Record<string, string>;
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
  for (const [k, v] of Object.entries(opts.vars)) args.push('--var', `${k}:${v}`);
  // process.execPath: wrangler needs Node 22, which `npm run` puts first on PATH.
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true' },
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
