import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../scripts/local/ports';
import { findUserWorker } from '../scripts/local/worker-direct';

/**
 * A Worker that only answers, under `wrangler dev` with our flags: the floor of one Worker pass on
 * this machine, measured beside a plain Node server (a preview request makes two passes: the
 * request, then the VM platform's forward-auth call).
 */
export async function startFloorWorker(
  opts: { assets?: boolean } = {},
): Promise<{ url: string; direct: string; stop: () => void }> {
  const port = await freePort();
  const wrangler = fileURLToPath(new URL('../node_modules/wrangler/bin/wrangler.js', import.meta.url));
  const toml = opts.assets === false ? 'bare.toml' : 'wrangler.toml';
  const config = fileURLToPath(new URL(`./floor-worker/${toml}`, import.meta.url));
  const child = spawn(
    process.execPath,
    [
      wrangler,
      'dev',
      '-c',
      config,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--live-reload=false',
      '--show-interactive-dev-session=false',
      '--log-level',
      'error',
      // Its own inspector port: wrangler's default (9229) is the one every other local stack races for.
      '--inspector-port',
      String(await freePort()),
      '--persist-to',
      mkdtempSync(join(tmpdir(), 'cw-floor-')),
    ],
    {
      detached: true,
      stdio: 'ignore',
      env: {
        ...process.env,
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        WRANGLER_SEND_METRICS: 'false',
        CI: 'true',
      },
    },
  );
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // gone already
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const answers = async (u: string) => {
    const res = await fetch(u, { signal: AbortSignal.timeout(2000) });
    return (await res.text()) === 'hello';
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      // The same Worker on its own workerd, behind wrangler's dev proxy (worker-direct.ts).
      const direct = (await answers(url)) ? await findUserWorker(port, answers) : null;
      if (direct) return { url, direct, stop };
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      stop();
      throw new Error('the floor Worker did not start');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
