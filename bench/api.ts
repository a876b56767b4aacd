// `npm run bench` (API part; alone: `npm run bench:api`): what an API request costs with the database
// far away. The local proxy delays every database round trip by DB_LATENCY_MS and counts them, so each
// route shows its round trips beside its latencies at 0 and 40 ms, for the database path in use
// (`http`: Neon's HTTP queries) and the one it replaced (`pool`: a WebSocket Pool opened per request).
// Then 50 connections at once against the list and the trivial route (`/api/config`, no database).
import { Agent, request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { cpuByRole, cpuDiff } from './rss';
import { startTestStack, type TestStack, type TestUser } from '../test/stack/harness';
import { mergeCookies, roundTripsOf, type RoundTrips } from './round-trips';
import { runAndExit } from './groups';
import { coreBusy, coreTicks, pinWorker } from './pin';
import { WORKSPACE_STATUSES } from '../core/workspace-state';

const SAMPLES = Number(process.env.BENCH_API_SAMPLES ?? 40);
const CREATES = Number(process.env.BENCH_API_CREATES ?? 8);
const CONCURRENCY = Number(process.env.BENCH_API_CONNECTIONS ?? 50);
const LOAD_SECONDS = Number(process.env.BENCH_API_SECONDS ?? 5);
const LATENCY = Number(process.env.BENCH_API_LATENCY_MS ?? 40);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

interface Call {
  method: string;
  path: string;
  body?: unknown;
}

/** One HTTP request over a keep-alive agent (no connection setup in the figures). */
function send(base: URL, agent: Agent, headers: Record<string, string>, call: Call) {
  return new Promise<{ status: number; body: string; ms: number }>((resolve, reject) => {
    const started = performance.now();
    const data = call.body === undefined ? undefined : JSON.stringify(call.body);
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path: call.path,
        method: call.method,
        agent,
        headers: { ...headers, ...(data ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          // A browser keeps the renewed session cookie (its cached copy lasts a minute): so does the bench.
          const set = res.headers['set-cookie'];
          if (set?.length && headers.cookie) headers.cookie = mergeCookies(headers.cookie, set);
          resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

interface RouteFigures {
  route: string;
  roundTrips: RoundTrips;
  p50: number;
  p99: number;
}

async function measureRoutes(t: TestStack) {
  const { user, org, repositoryId, workspace } = await t.runningWorkspace();
  const base = new URL(t.stack.url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const headers = { cookie: user.cookie, origin: t.stack.url };
  const path = `/api/workspaces/${workspace.id}`;
  const get = async () => JSON.parse((await send(base, agent, headers, { method: 'GET', path })).body);
  /** Brings the workspace to `status` through `via` first (untimed, uncounted). */
  const from = (status: string, via: string[]) => async () => {
    for (const action of via) {
      if ((await get()).workspace.status === status) return;
      await send(base, agent, headers, { method: 'POST', path: `${path}/${action}`, body: {} });
      const until = Date.now() + 30_000;
      while (Date.now() < until && !['running', 'paused', 'stopped'].includes((await get()).workspace.status))
        await new Promise((r) => setTimeout(r, 100));
    }
    const now = (await get()).workspace.status;
    if (now !== status) throw new Error(`workspace ${now}, wanted ${status}`);
  };
  let visibility = 'private';
  const routes: [string, () => Call, number, (() => Promise<void>)?][] = [
    [
      'GET /api/workspaces',
      () => ({ method: 'GET', path: `/api/workspaces?organizationId=${org}` }),
      SAMPLES,
    ],
    ['GET /api/workspaces/:id', () => ({ method: 'GET', path }), SAMPLES],
    [
      'POST /api/workspaces/:id/exec',
      () => ({ method: 'POST', path: `${path}/exec`, body: { command: 'true' } }),
      SAMPLES,
    ],
    ['GET /api/workspaces/:id/ports', () => ({ method: 'GET', path: `${path}/ports` }), SAMPLES],
    [
      'PATCH /api/workspaces/:id/ports/:port',
      () => {
        visibility = visibility === 'private' ? 'public' : 'private';
        return { method: 'PATCH', path: `${path}/ports/3000`, body: { visibility } };
      },
      SAMPLES,
    ],
    [
      'POST .../pause',
      () => ({ method: 'POST', path: `${path}/pause`, body: {} }),
      CREATES,
      from('running', ['resume']),
    ],
    [
      'POST .../resume',
      () => ({ method: 'POST', path: `${path}/resume`, body: {} }),
      CREATES,
      from('paused', ['pause']),
    ],
    [
      'POST .../stop',
      () => ({ method: 'POST', path: `${path}/stop`, body: {} }),
      Math.ceil(CREATES / 2),
      from('paused', ['start', 'pause']),
    ],
    // Last: each one provisions a VM in the background, which loads the machine.
    [
      'POST /api/workspaces (create)',
      () => ({
        method: 'POST',
        path: '/api/workspaces',
        body: { organizationId: org, repositoryId, branch: 'main' },
      }),
      CREATES,
    ],
  ];
  const out: RouteFigures[] = [];
  for (const [route, call, samples, prepare] of routes) {
    const once = async () => {
      const r = await send(base, agent, headers, call());
      if (r.status >= 300) throw new Error(`${route}: ${r.status} ${r.body}`);
      return r.ms;
    };
    const warm = route.includes('create') || prepare ? 1 : 3;
    for (let i = 0; i < warm; i++) {
      await prepare?.();
      await once(); // warm: the isolate, the room, the agent's socket
    }
    const ms: number[] = [];
    for (let i = 0; i < samples; i++) {
      await prepare?.();
      ms.push(await once());
    }
    // Creating provisions in the background: count only until the answer.
    const roundTrips = await roundTripsOf(t.stack.pgWsProxy, once, {
      settleMs: route.includes('create') ? 0 : 250,
      prepare,
    });
    out.push({ route, roundTrips, p50: pct(ms, 50), p99: pct(ms, 99) });
  }
  return { out, agent, headers, base, org, user };
}

/**
 * Waits until no workspace of `org` is provisioning: the creates just measured boot their VMs in the
 * background (clone, setup, the room's stream), work in the same workerd that would land in whichever
 * route's load runs first.
 */
async function settle(t: TestStack, user: TestUser, org: string) {
  const r = await t.call(`/api/workspaces?organizationId=${org}&limit=200`, { cookie: user.cookie });
  const booting = (r.json.workspaces as { id: string; status: string }[]).filter(
    (w) => w.status === 'provisioning',
  );
  const settled = WORKSPACE_STATUSES.filter((s) => s !== 'provisioning');
  await Promise.all(booting.map((w) => t.waitForStatus(user, w.id, settled, 60_000)));
}

/** `connections` clients in a loop for `seconds`: every latency, and requests per second. */
async function load(
  base: URL,
  agent: Agent,
  headers: Record<string, string>,
  call: Call,
  connections: number,
  seconds: number,
) {
  const ms: number[] = [];
  let errors = 0;
  const cpuBefore = cpuByRole({ splitWorkerd: true });
  const coresBefore = coreTicks();
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const r = await send(base, agent, headers, call).catch(() => null);
        if (!r || r.status >= 300) errors++;
        else ms.push(r.ms);
      }
    }),
  );
  // CPU each request cost the processes of the stack: the Worker's is what bounds a route's throughput
  // in production (Workers scale by isolate CPU); here Postgres, the proxy and this client share 2 cores.
  const cpu = cpuDiff(cpuBefore, cpuByRole({ splitWorkerd: true }));
  const cores = coreBusy(coresBefore, coreTicks());
  const perRequest = (role: string) => ((cpu[role] ?? 0) * 1000) / Math.max(1, ms.length);
  return {
    p50: pct(ms, 50),
    p99: pct(ms, 99),
    rps: ms.length / seconds,
    errors,
    /** How busy each core of the machine was, in percent: which one bounds the route. */
    coreBusyPercent: cores,
    /** CPU ms per request of every process of the stack, by role (they share the machine's cores). */
    cpuMsByRole: Object.fromEntries(Object.keys(cpu).map((r) => [r, perRequest(r)])),
  };
}

type LoadPair = { trivial: Awaited<ReturnType<typeof load>>; list: Awaited<ReturnType<typeof load>> };

const f = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(1));

function printLoad(title: string, { trivial, list }: LoadPair) {
  console.log(`\n${title}:`);
  console.log(
    `  trivial p50/p99 ${f(trivial.p50)} / ${f(trivial.p99)} ms, ${f(trivial.rps)} req/s; ` +
      `list ${f(list.p50)} / ${f(list.p99)} ms, ${f(list.rps)} req/s (${list.errors + trivial.errors} errors)`,
  );
  console.log(
    `  list/trivial: p99 ${(list.p99 / trivial.p99).toFixed(2)}x (goal <= 3), throughput ${(list.rps / trivial.rps).toFixed(2)}x (goal >= 0.5)`,
  );
  // The Worker's own workerd: wrangler's dev proxy, a workerd of its own, is `workerd (dev proxy)`.
  const worker = (r: LoadPair['list']) => r.cpuMsByRole['workerd'] ?? NaN;
  console.log(
    `  the Worker's workerd CPU per request: trivial ${f(worker(trivial))} ms, list ${f(worker(list))} ms: ` +
      `Worker-bound throughput ${(worker(trivial) / worker(list)).toFixed(2)}x`,
  );
  // On one machine the list is bounded by the CPU all the processes spend on it, not workerd's alone.
  const byRole = (r: Record<string, number>) => {
    const total = Object.values(r).reduce((a, b) => a + b, 0);
    const parts = Object.entries(r)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v.toFixed(2)}`);
    return `${total.toFixed(2)} ms (${parts.join(', ')})`;
  };
  console.log(`  all processes' CPU per request: trivial ${byRole(trivial.cpuMsByRole)}`);
  console.log(`                                  list ${byRole(list.cpuMsByRole)}`);
  const busy = (r: { coreBusyPercent: number[] }) =>
    r.coreBusyPercent.map((p, i) => `${i}: ${p}%`).join(', ');
  console.log(`  cores busy: trivial ${busy(trivial)}; list ${busy(list)}`);
}

async function main() {
  // BENCH_API_POOL=0 leaves out the per-request Pool it replaced (half the run).
  const transports = process.env.BENCH_API_POOL === '0' ? ['http'] : ['http', 'pool'];
  const variants = transports.flatMap((transport) => [
    { transport, latencyMs: 0 },
    { transport, latencyMs: LATENCY },
  ]);
  const results: Record<string, RouteFigures[]> = {};
  const concurrency: { shared?: LoadPair; workerCore?: LoadPair } = {};
  for (const v of variants) {
    console.log(`stack with DB_TRANSPORT=${v.transport}, DB_LATENCY_MS=${v.latencyMs}...`);
    const t = await startTestStack({
      extraVars: { DB_TRANSPORT: v.transport, LIMIT_WORKSPACES: '200', LIMIT_RUNNING: '200' },
      dbLatencyMs: v.latencyMs,
    });
    try {
      const m = await measureRoutes(t);
      results[`${v.transport}@${v.latencyMs}`] = m.out;
      if (v.transport === 'http' && v.latencyMs === 0) {
        console.log(`${CONCURRENCY} connections for ${LOAD_SECONDS} s each...`);
        const trivial = { method: 'GET', path: '/api/config' };
        const list = { method: 'GET', path: `/api/workspaces?organizationId=${m.org}` };
        await settle(t, m.user, m.org);
        await load(m.base, m.agent, m.headers, trivial, CONCURRENCY, 1); // warm the sockets
        const pair = async () => ({
          trivial: await load(m.base, m.agent, m.headers, trivial, CONCURRENCY, LOAD_SECONDS),
          list: await load(m.base, m.agent, m.headers, list, CONCURRENCY, LOAD_SECONDS),
        });
        concurrency.shared = await pair();
        // Then as in production, where nothing else runs on the Worker's CPU (bench/pin.ts).
        const unpin = pinWorker();
        if (unpin) {
          try {
            concurrency.workerCore = await pair();
          } finally {
            unpin();
          }
        }
      }
      m.agent.destroy();
    } finally {
      await t.stop();
    }
  }

  const NONE: RoundTrips = { connections: 0, setupFlights: 0, queryFlights: 0, httpRequests: 0, total: NaN };
  const rt = (r: RoundTrips) =>
    Number.isNaN(r.total)
      ? '-'
      : r.httpRequests
        ? `${r.total} (${r.httpRequests} http)`
        : `${r.total} (${r.connections} connect + ${r.setupFlights} startup + ${r.queryFlights} statements)`;
  const rows = [
    [
      'route',
      'round trips http',
      `http p50/p99 0 ms`,
      `http p50/p99 ${LATENCY} ms`,
      'round trips pool (before)',
      `pool p50/p99 0 ms`,
      `pool p50/p99 ${LATENCY} ms`,
    ],
  ];
  const http0 = results['http@0']!;
  for (let i = 0; i < http0.length; i++) {
    const at = (k: string) => results[k]?.[i] ?? { route: '', roundTrips: NONE, p50: NaN, p99: NaN };
    rows.push([
      http0[i]!.route,
      rt(at(`http@${LATENCY}`).roundTrips),
      `${f(at('http@0').p50)} / ${f(at('http@0').p99)}`,
      `${f(at(`http@${LATENCY}`).p50)} / ${f(at(`http@${LATENCY}`).p99)}`,
      rt(at(`pool@${LATENCY}`).roundTrips),
      `${f(at('pool@0').p50)} / ${f(at('pool@0').p99)}`,
      `${f(at(`pool@${LATENCY}`).p50)} / ${f(at(`pool@${LATENCY}`).p99)}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  const listAt = results[`http@${LATENCY}`]![0]!;
  console.log(`\nlist p50 at ${LATENCY} ms database latency: ${f(listAt.p50)} ms (goal <= 100)`);
  if (concurrency.shared) {
    printLoad(
      `${CONCURRENCY} connections, 0 ms, every process on the machine's ${availableParallelism()} cores`,
      concurrency.shared,
    );
  }
  if (concurrency.workerCore) {
    printLoad(
      `${CONCURRENCY} connections, 0 ms, the Worker's workerd on a core of its own (the rest of the stack on the others)`,
      concurrency.workerCore,
    );
  }
  const dir = join(process.cwd(), 'bench/results');
  mkdirSync(dir, { recursive: true });
  const at = new Date().toISOString();
  const file = join(dir, `api-${at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ at, latencyMs: LATENCY, results, concurrency }, null, 2));
  console.log(`\nwrote ${file}`);
}

runAndExit(main);
