import { Agent, request } from 'node:http';
import WebSocket from 'ws';
import { createVmClient } from '../core/vm';
import { startVmServer } from '../vm-host/test/vm-server';
import type { TestStack, TestUser } from '../test/stack/harness';

// Preview URLs against the VM platform's own URL for the same port: path = client -> wrangler dev ->
// Worker (preview host) -> room gate -> VM host forwarder -> forward auth -> VM; baseline = client ->
// VM host forwarder (a TLS rule without forward auth) -> VM, the nearest thing to "straight to the port"
// (the VM's port is in its own network namespace). Same server, same machine, interleaved.

const HTTP_SAMPLES = Number(process.env.BENCH_PREVIEW_HTTP ?? 400);
const WS_SAMPLES = Number(process.env.BENCH_PREVIEW_WS ?? 400);
const DOWNLOAD_MB = Number(process.env.BENCH_PREVIEW_MB ?? 100);

interface Target {
  url: string;
  host: string;
  headers: Record<string, string>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function timedGet(t: Target, path: string): Promise<{ ms: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(`${t.url}${path}`, { agent, headers: { host: t.host, ...t.headers } });
    req.on('response', (res) => {
      let bytes = 0;
      res.on('data', (b: Buffer) => (bytes += b.length));
      res.on('end', () => resolve({ ms: performance.now() - started, bytes, status: res.statusCode! }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function wsEcho(t: Target, samples: number): Promise<number[]> {
  const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/bench`, {
    headers: { host: t.host, ...t.headers },
    perMessageDeflate: false,
  });
  const queue: ((s: string) => void)[] = [];
  ws.on('message', (m) => queue.shift()?.(m.toString()));
  await new Promise<void>((resolve, reject) => {
    queue.push(() => resolve()); // the server's welcome
    ws.once('error', reject);
  });
  const out: number[] = [];
  for (let i = 0; i < samples + 5; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      queue.push(() => resolve());
      ws.send(`m${i}`);
    });
    if (i >= 5) out.push(performance.now() - started);
  }
  ws.close();
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchPreviews(
  t: TestStack,
  user: TestUser,
  workspace: { id: string; freestyleVmId: string },
) {
  const vms = createVmClient({ baseUrl: t.stack.vmHostUrl, apiKey: t.stack.vmHostApiKey });
  const pty = await startVmServer(vms, workspace.freestyleVmId, 3000);
  const baseDomain = `bench-3000-${workspace.id}.localhost`;
  await vms.exposePort(workspace.freestyleVmId, 3000, baseDomain);
  const host = `3000-${workspace.id}.localhost:${new URL(t.stack.url).port}`;
  // A member's browser: the app origin hands the preview host its cookie.
  const first = await timedGetRedirect(t.stack.url, host);
  const authorize = await fetch(first.location, { headers: { cookie: user.cookie }, redirect: 'manual' });
  const back = new URL(authorize.headers.get('location')!);
  const cookie = await callback(t.stack.url, host, back.pathname + back.search, first.state);
  const path: Target = { url: t.stack.url, host, headers: { cookie } };
  const base: Target = { url: t.stack.vmHostForwardUrl, host: baseDomain, headers: {} };
  if ((await timedGet(path, '/')).status !== 200) throw new Error('preview did not answer');

  const httpPath: number[] = [];
  const httpBase: number[] = [];
  const per = Math.ceil(HTTP_SAMPLES / 4);
  for (let block = 0; block < 4; block++) {
    for (let i = 0; i < per + 5; i++) {
      const ms = (await timedGet(path, '/')).ms;
      if (i >= 5) httpPath.push(ms);
    }
    for (let i = 0; i < per + 5; i++) {
      const ms = (await timedGet(base, '/')).ms;
      if (i >= 5) httpBase.push(ms);
    }
  }
  const download = async (tg: Target) => {
    const r = await timedGet(tg, `/big?mb=${DOWNLOAD_MB}`);
    if (r.bytes !== DOWNLOAD_MB << 20) throw new Error(`download got ${r.bytes} bytes`);
    return r.bytes / 1e6 / (r.ms / 1000);
  };
  const mbPath = [await download(path), await download(path)];
  const mbBase = [await download(base), await download(base)];
  const wsPath: number[] = [];
  const wsBase: number[] = [];
  for (let block = 0; block < 2; block++) {
    wsPath.push(...(await wsEcho(path, Math.ceil(WS_SAMPLES / 2))));
    wsBase.push(...(await wsEcho(base, Math.ceil(WS_SAMPLES / 2))));
  }
  pty.close();
  return {
    httpMs: { path: median(httpPath), baseline: median(httpBase), samples: httpPath.length },
    downloadMBs: { path: Math.max(...mbPath), baseline: Math.max(...mbBase), mb: DOWNLOAD_MB },
    wsEchoMs: { path: median(wsPath), baseline: median(wsBase), samples: wsPath.length },
  };
}

/** The preview host's redirect to the app origin, and the sign-in state cookie it sets with it. */
function timedGetRedirect(url: string, host: string): Promise<{ location: string; state: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/`, { headers: { host, accept: 'text/html' } });
    req.on('response', (res) => {
      res.resume();
      resolve({ location: res.headers.location!, state: res.headers['set-cookie']![0]!.split(';')[0]! });
    });
    req.on('error', reject);
    req.end();
  });
}

function callback(url: string, host: string, path: string, state: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers: { host, cookie: state } });
    req.on('response', (res) => {
      res.resume();
      resolve((res.headers['set-cookie'] as string[])[0]!.split(';')[0]!);
    });
    req.on('error', reject);
    req.end();
  });
}

export type PreviewBench = Awaited<ReturnType<typeof benchPreviews>>;

/** The bench's table rows: measure, path, baseline, ratio. */
export function previewRows(p: PreviewBench, f: (n: number) => string): string[][] {
  const plus = (d: number) => `${d >= 0 ? '+' : ''}${f(d)} ms`;
  return [
    [
      'preview HTTP request p50 (ms)',
      f(p.httpMs.path),
      f(p.httpMs.baseline),
      `${plus(p.httpMs.path - p.httpMs.baseline)}, ${f(p.httpMs.path / p.httpMs.baseline)}x (goal <= +2 ms); ${p.httpMs.samples} requests`,
    ],
    [
      `preview ${p.downloadMBs.mb} MB download (MB/s)`,
      f(p.downloadMBs.path),
      f(p.downloadMBs.baseline),
      `${f(p.downloadMBs.path / p.downloadMBs.baseline)}x (goal >= 0.8)`,
    ],
    [
      'preview WebSocket echo p50 (ms)',
      f(p.wsEchoMs.path),
      f(p.wsEchoMs.baseline),
      `${plus(p.wsEchoMs.path - p.wsEchoMs.baseline)}, ${f(p.wsEchoMs.path / p.wsEchoMs.baseline)}x (goal <= +1 ms)`,
    ],
  ];
}

// `npx tsx bench/previews.ts`: these rows alone, on a stack of their own.
if (process.argv[1]?.endsWith('previews.ts')) {
  const { startTestStack } = await import('../test/stack/harness');
  const { VM_SERVER_PATHS } = await import('../vm-host/test/vm-server');
  const t = await startTestStack({ readonlyPaths: VM_SERVER_PATHS });
  try {
    const { user, workspace } = await t.runningWorkspace();
    const rows = previewRows(await benchPreviews(t, user, workspace), (n) => n.toFixed(2));
    for (const r of rows) console.log(r.join('  |  '));
  } finally {
    await t.stop();
  }
}
