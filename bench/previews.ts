import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { createVmClient } from '../core/vm';
import { startVmServer } from '../vm-host/test/vm-server';
import type { TestStack, TestUser } from '../test/stack/harness';
import { findUserWorker, isOurWorker } from '../scripts/local/worker-direct';
import { startFloorWorker } from './floor';
import { median } from './stats';
import { keepAliveAgent, timed, type Target } from './timed-request';

// Preview URLs against the VM platform's own URL for the same port: path = client -> wrangler dev ->
// Worker (preview host) -> room gate -> VM host forwarder -> forward auth (the Worker again, past the
// dev proxy) -> VM; baseline = client ->
// VM host forwarder (a TLS rule without forward auth) -> VM, the nearest thing to "straight to the port"
// (the VM's port is in its own network namespace). Same server, same machine, interleaved.

const HTTP_SAMPLES = Number(process.env.BENCH_PREVIEW_HTTP ?? 400);
const WS_SAMPLES = Number(process.env.BENCH_PREVIEW_WS ?? 400);
const DOWNLOAD_MB = Number(process.env.BENCH_PREVIEW_MB ?? 100);

async function wsEcho(t: Target, samples: number): Promise<number[]> {
  const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/bench`, {
    headers: t.headers,
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
  const cookie = await previewCookie(t.stack.url, host, user.cookie);
  const agent = keepAliveAgent();
  const path: Target = { name: 'preview', url: t.stack.url, headers: { host, cookie }, agent };
  const base: Target = {
    name: 'baseline',
    url: t.stack.vmHostForwardUrl,
    headers: { host: baseDomain },
    agent,
  };
  await timed(path, '/'); // a preview that does not answer 200 ends the bench here

  // The floor: a Worker that only answers, and a plain Node server (the VM server's own cost is in
  // the baseline). Round-robin, one sample of each in turn: the machine's load hits all four alike.
  const floor = await startFloorWorker();
  const node = createServer((req, res) => {
    if (req.url?.startsWith('/big')) return bigBody(res, DOWNLOAD_MB);
    res.end('hello');
  }).listen(0, '127.0.0.1');
  await once(node, 'listening');
  const nodeUrl = `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
  const worker: Target = { name: 'floor Worker', url: floor.url, headers: {}, agent };
  // The same Worker on its own workerd, past wrangler's dev proxy: production's shape, and the way
  // the stack's forward-auth calls reach our Worker (scripts/local/worker-direct.ts).
  const direct: Target = { name: 'floor Worker direct', url: floor.direct, headers: {}, agent };
  const plain: Target = { name: 'node', url: nodeUrl, headers: {}, agent };
  // The preview request itself sent past the dev proxy too: both passes as in production.
  const stackDirect = await findUserWorker(Number(new URL(t.stack.url).port), isOurWorker);
  if (!stackDirect) throw new Error("the stack's Worker was not found behind wrangler's dev proxy");
  const pathDirect: Target = { name: 'preview direct', url: stackDirect, headers: { host, cookie }, agent };
  const targets = { path, pathDirect, base, worker, direct, node: plain };
  const http = Object.fromEntries(Object.keys(targets).map((k) => [k, [] as number[]])) as Record<
    keyof typeof targets,
    number[]
  >;
  for (let i = 0; i < HTTP_SAMPLES + 10; i++) {
    for (const [k, tg] of Object.entries(targets)) {
      const { ms } = await timed(tg, '/');
      if (i >= 10) http[k as keyof typeof targets].push(ms);
    }
  }
  const download = async (tg: Target, p = `/big?mb=${DOWNLOAD_MB}`) => {
    const r = await timed(tg, p);
    if (r.bytes !== DOWNLOAD_MB << 20) throw new Error(`download got ${r.bytes} bytes`);
    return r.bytes / 1e6 / (r.ms / 1000);
  };
  const viaWorker = `/?to=${encodeURIComponent(`${nodeUrl}/big`)}`;
  const mb = { path: [] as number[], base: [] as number[], worker: [] as number[], node: [] as number[] };
  for (let i = 0; i < 2; i++) {
    mb.path.push(await download(path));
    mb.base.push(await download(base));
    mb.worker.push(await download(worker, viaWorker));
    mb.node.push(await download(plain));
  }
  floor.stop();
  node.close();
  const wsPath: number[] = [];
  const wsBase: number[] = [];
  for (let block = 0; block < 2; block++) {
    wsPath.push(...(await wsEcho(path, Math.ceil(WS_SAMPLES / 2))));
    wsBase.push(...(await wsEcho(base, Math.ceil(WS_SAMPLES / 2))));
  }
  pty.close();
  return {
    httpMs: {
      path: median(http.path),
      pathDirect: median(http.pathDirect),
      baseline: median(http.base),
      samples: http.path.length,
    },
    downloadMBs: { path: Math.max(...mb.path), baseline: Math.max(...mb.base), mb: DOWNLOAD_MB },
    wsEchoMs: { path: median(wsPath), baseline: median(wsBase), samples: wsPath.length },
    floor: {
      httpMs: { worker: median(http.worker), direct: median(http.direct), node: median(http.node) },
      downloadMBs: { worker: Math.max(...mb.worker), node: Math.max(...mb.node) },
    },
  };
}

/** The VM server's `/big`: `mb` MiB of one chunk, with its length, written as the socket drains. */
function bigBody(res: import('node:http').ServerResponse, mib: number) {
  const chunk = Buffer.alloc(1 << 20, 97);
  let left = mib;
  res.writeHead(200, { 'content-length': left * chunk.length });
  const more = () => {
    while (left > 0) {
      left--;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    res.end();
  };
  more();
}

function get(url: string, headers: Record<string, string>) {
  return new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    const req = request(url, { headers });
    req.on('response', (res) => {
      res.resume();
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A member's browser: the preview host's state cookie, the app origin's code, the preview cookie. */
export async function previewCookie(url: string, host: string, sessionCookie: string): Promise<string> {
  const first = await get(`${url}/`, { host, accept: 'text/html' });
  const state = (first.headers['set-cookie'] ?? [])[0]?.split(';')[0];
  if (!state || !first.headers.location) throw new Error(`preview sign-in: ${first.statusCode}`);
  const authorize = await fetch(first.headers.location, {
    headers: { cookie: sessionCookie },
    redirect: 'manual',
  });
  const back = new URL(authorize.headers.get('location')!);
  const done = await get(`${url}${back.pathname}${back.search}`, { host, cookie: state });
  const cookie = (done.headers['set-cookie'] ?? [])[0]?.split(';')[0];
  if (!cookie) throw new Error(`preview callback: ${done.statusCode}`);
  return cookie;
}

export type PreviewBench = Awaited<ReturnType<typeof benchPreviews>>;

/** The bench's table rows: measure, path, baseline, ratio. */
export function previewRows(p: PreviewBench, f: (n: number) => string): string[][] {
  const plus = (d: number) => `${d >= 0 ? '+' : ''}${f(d)} ms`;
  const dev = p.floor.httpMs.worker - p.floor.httpMs.node; // a pass through wrangler's dev proxy
  const runtime = p.floor.httpMs.direct - p.floor.httpMs.node; // a pass on the runtime alone
  const over = p.httpMs.path - p.httpMs.baseline;
  // The request passes the dev proxy; the forward-auth call reaches the runtime alone (the relay).
  const floor = dev + runtime;
  return [
    [
      'preview HTTP request p50 (ms)',
      f(p.httpMs.path),
      f(p.httpMs.baseline),
      `${plus(over)}, ${f(p.httpMs.path / p.httpMs.baseline)}x (goal <= +2 ms); of it two Worker passes ${plus(floor)} (request via wrangler dev ${plus(dev)}, forward auth ${plus(runtime)}), the rest ${plus(over - floor)}; ${p.httpMs.samples} requests`,
    ],
    [
      "preview HTTP request p50 without wrangler's dev proxy on the request's pass either (production's shape) (ms)",
      f(p.httpMs.pathDirect),
      f(p.httpMs.baseline),
      `${plus(p.httpMs.pathDirect - p.httpMs.baseline)} (goal <= +2 ms); of it two Worker passes ${plus(2 * runtime)}, the rest ${plus(p.httpMs.pathDirect - p.httpMs.baseline - 2 * runtime)}`,
    ],
    [
      'floor: one wrangler dev pass of a Worker shaped like ours that only answers, vs a Node server (ms)',
      f(p.floor.httpMs.worker),
      f(p.floor.httpMs.node),
      `${plus(dev)} per pass (the preview request's: the client calls the dev port)`,
    ],
    [
      "floor: the same Worker on its own workerd, without wrangler's dev proxy (production's shape), vs a Node server (ms)",
      f(p.floor.httpMs.direct),
      f(p.floor.httpMs.node),
      `${plus(runtime)} per pass (the forward-auth call's); two such passes, a preview in production: ${plus(2 * runtime)}`,
    ],
    [
      `preview ${p.downloadMBs.mb} MB download (MB/s)`,
      f(p.downloadMBs.path),
      f(p.downloadMBs.baseline),
      `${f(p.downloadMBs.path / p.downloadMBs.baseline)}x (goal >= 0.8)`,
    ],
    [
      `floor: ${p.downloadMBs.mb} MB through a Worker that only relays it, vs a Node server (MB/s)`,
      f(p.floor.downloadMBs.worker),
      f(p.floor.downloadMBs.node),
      `${f(p.floor.downloadMBs.worker / p.floor.downloadMBs.node)}x for one wrangler dev pass`,
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
if (/(^|\/)previews\.ts$/.test(process.argv[1] ?? '')) {
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
