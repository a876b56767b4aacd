import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';
import pg from 'pg';
import { createPart, waitForLine, waitUntil, type Part } from './supervisor';

// The stack's processes other than workerd (wrangler-dev.ts): each a TypeScript entry point run with
// tsx's loader, on a port chosen once so a restart comes back where the others expect it.

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
// Absolute, so the parts start from any working directory.
const tsxLoader = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url));
const tsx = (entry: string) => ['--import', tsxLoader, entry];

function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Any HTTP answer at all: the process is running its event loop. */
export async function httpAnswers(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2500) });
  await res.body?.cancel();
  return true;
}

/** Postgres forks a backend and answers a query: the postmaster is not frozen. */
async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (err) {
    // Full is not frozen: "too many clients" means it answers.
    return /too many clients|remaining connection slots/.test((err as Error).message);
  } finally {
    await client.end().catch(() => {});
  }
}

type Log = (line: string) => void;

export function postgresPart(opts: { dataDir: string; port: number; password: string; log: Log }) {
  const url = `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/postgres`;
  const part: Part = createPart({
    name: 'postgres',
    command: process.execPath,
    args: tsx(here('./postgres-main.ts')),
    env: { CW_PG_DATA_DIR: opts.dataDir, CW_PG_PORT: String(opts.port), CW_PG_PASSWORD: opts.password },
    ready: (p) => waitForLine(p, /^\[postgres\] ready on /),
    alive: () => postgresAnswers(url),
    log: opts.log,
    onOutput: (line) => {
      // Postgres is chatty; say only what matters.
      if (/FATAL|PANIC|ERROR|did not start/.test(line)) opts.log(line);
    },
  });
  return { part, url };
}

export function proxyPart(opts: {
  target: { host: string; port: number };
  port: number;
  latencyMs?: number;
  log: Log;
}) {
  const part = createPart({
    name: 'db-proxy',
    command: process.execPath,
    args: tsx(here('./pg-ws-proxy-main.ts')),
    env: {
      CW_PROXY_PORT: String(opts.port),
      CW_PG_HOST: opts.target.host,
      CW_PG_PORT: String(opts.target.port),
      CW_DB_LATENCY_MS: String(opts.latencyMs ?? 0),
    },
    ready: (p) => waitUntil(p, 'listen', () => portAnswers(opts.port)),
    // A frozen process still accepts TCP connections (the kernel does); an HTTP answer needs the process.
    alive: () => httpAnswers(`http://127.0.0.1:${opts.port}/`),
    log: opts.log,
  });
  return { part, address: `127.0.0.1:${opts.port}` };
}

export function vmHostPart(opts: {
  port: number;
  forwardPort: number;
  sshPort: number;
  dataDir: string;
  apiKey: string;
  readonlyPaths: string[];
  memoryMiB?: number;
  diskMiB?: number;
  log: Log;
}) {
  const url = `http://127.0.0.1:${opts.port}`;
  const part = createPart({
    name: 'vm-host',
    command: process.execPath,
    args: tsx(here('../../vm-host/src/main.ts')),
    env: {
      VM_HOST_API_KEY: opts.apiKey,
      VM_HOST_PORT: String(opts.port),
      VM_HOST_FORWARD_PORT: String(opts.forwardPort),
      VM_HOST_SSH_PORT: String(opts.sshPort),
      VM_HOST_DATA_DIR: opts.dataDir,
      VM_HOST_READONLY_PATHS: opts.readonlyPaths.join(':'),
      ...(opts.memoryMiB ? { VM_HOST_MEMORY_MIB: String(opts.memoryMiB) } : {}),
      ...(opts.diskMiB ? { VM_HOST_DISK_MIB: String(opts.diskMiB) } : {}),
    },
    ready: (p) => waitUntil(p, 'answer /health', async () => (await fetch(`${url}/health`)).ok, 60_000),
    alive: () => httpAnswers(`${url}/health`),
    log: opts.log,
    onOutput: (line) => {
      if (!/^\[vm-host\] ready on/.test(line)) opts.log(line);
    },
  });
  /** Tests: delete every VM (processes, cgroups, files) through the API before the host stops. */
  async function deleteAllVms() {
    if (part.pid === undefined) return;
    const auth = { Authorization: `Bearer ${opts.apiKey}` };
    const list = (await (await fetch(`${url}/v5/vms`, { headers: auth })).json()) as {
      vms: { id: string }[];
    };
    for (const vm of list.vms) await fetch(`${url}/v5/vms/${vm.id}`, { method: 'DELETE', headers: auth });
  }
  return { part, url, forwardUrl: `http://127.0.0.1:${opts.forwardPort}`, deleteAllVms };
}

/**
 * A stable port relayed to the Worker behind `wrangler dev`'s proxy (worker-direct.ts): the VM host's
 * forward-auth calls take it (FORWARD_AUTH_URL), as the VM platform reaches the Worker in production.
 */
export function workerRelayPart(opts: { port: number; devPort: number; log: Log }) {
  const part = createPart({
    name: 'worker-relay',
    command: process.execPath,
    args: tsx(here('./worker-relay-main.ts')),
    env: { CW_RELAY_PORT: String(opts.port), CW_DEV_PORT: String(opts.devPort) },
    ready: (p) => waitForLine(p, /^\[worker-relay\] ready on /),
    log: opts.log,
    onOutput: (line) => {
      if (!/^\[worker-relay\] ready on/.test(line)) opts.log(line);
    },
  });
  return { part, url: `http://127.0.0.1:${opts.port}` };
}
