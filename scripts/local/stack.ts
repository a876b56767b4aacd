import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FORWARD_AUTH_PATH } from '../../core/ports';
import { applyMigrations } from './migrate';
import { wranglerPart } from './wrangler-dev';
import { loadLocalSecrets } from './secrets';
import { createDemoRepository } from './demo-repo';
import { seedDemoData, DEMO_USER } from './seed';
import { freePort } from './ports';
import { postgresPart, proxyPart, vmHostPart, workerRelayPart } from './parts';
import type { Part } from './supervisor';

export interface StackOptions {
  root?: string;
  dataDir: string;
  port: number;
  databaseUrl?: string;
  /** Port of the embedded Postgres; 0 picks a free one. */
  postgresPort?: number;
  vmHostPort?: number;
  /** The VM host's SSH gateway; 0 (default) picks a free port. */
  sshPort?: number;
  /** Extra host paths every VM may read (tests put their origin repositories there). */
  readonlyPaths?: string[];
  seed?: boolean;
  buildWeb?: boolean;
  log?: (line: string) => void;
  extraVars?: Record<string, string>;
  /** Tests: on stop, delete every VM (and its cgroups) instead of keeping them for the next start. */
  ephemeral?: boolean;
  /** A fixed delay on each round trip between the Worker and the database (`DB_LATENCY_MS`). */
  dbLatencyMs?: number;
  /** The Worker's V8 inspector (the bench reads the isolate's heap through it); wrangler picks one if unset. */
  inspectorPort?: number;
  /** Each VM's memory limit and disk quota, MiB (the VM host's defaults: 4096 and 16384). */
  vmMemoryMiB?: number;
  vmDiskMiB?: number;
}

export interface Stack {
  url: string;
  databaseUrl: string;
  vmHostUrl: string;
  vmHostApiKey: string;
  /** The VM host's forwarding listener (`/v5/tls` domains), for preview traffic. */
  vmHostForwardUrl: string;
  /** The relay past wrangler's dev proxy to the Worker's own workerd (forward auth's URL). */
  relayUrl: string;
  /** `host:port` of the WebSocket-to-Postgres proxy the Worker uses. */
  pgWsProxy: string;
  /** The SSH gateway on 127.0.0.1. */
  sshPort: number;
  /** Tests stop and restart the VM host (same port) to see the product survive it. */
  vmHost: { stop(): Promise<void>; start(): Promise<void> };
  /** Every supervised process: restarted when it dies, stopped with the stack. */
  parts: Part[];
  demo?: { email: string; password: string; organizationId: string; repositoryUrl: string };
  stop(): Promise<void>;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the SPA when its sources are newer than the last build (Vite takes about a second). */
export function buildWebIfStale(root: string, log: (line: string) => void) {
  const out = join(root, 'dist/web/index.html');
  const sources = [join(root, 'web'), join(root, 'core')].filter(existsSync);
  const built = existsSync(out) ? statSync(out).mtimeMs : 0;
  if (built && sources.every((d) => newestMtime(d) < built)) return;
  log('building the web app...');
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'web/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) throw new Error('vite build failed');
}

/**
 * The whole product on this machine: Postgres, its WebSocket proxy, the VM host and workerd, each a
 * supervised process of its own (`supervisor.ts`): one that dies is restarted on the same port, and none
 * outlives the launcher.
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const root = resolve(opts.root ?? process.cwd());
  const log = opts.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const secrets = loadLocalSecrets(dataDir);
  const parts: Part[] = [];
  let beforeStop = async () => {};
  const stop = async () => {
    await beforeStop().catch((e) => log(`stop: ${e}`));
    for (const p of [...parts].reverse()) await p.stop().catch((e) => log(`stop ${p.name}: ${e}`));
  };
  const run = async (part: Part) => {
    parts.push(part);
    await part.start();
    return part;
  };

  try {
    let databaseUrl = opts.databaseUrl;
    if (!databaseUrl) {
      const pg = postgresPart({
        dataDir: join(dataDir, 'postgres'),
        port: opts.postgresPort || (await freePort()),
        password: secrets.postgresPassword,
        log,
      });
      await run(pg.part);
      databaseUrl = pg.url;
    }
    await applyMigrations(databaseUrl);
    const target = new URL(databaseUrl);
    const proxy = proxyPart({
      target: { host: target.hostname, port: Number(target.port || 5432) },
      port: await freePort(),
      latencyMs: opts.dbLatencyMs,
      log,
    });
    await run(proxy.part);

    const reposDir = join(dataDir, 'repos');
    const demoRepo = createDemoRepository(join(reposDir, 'demo.git'));
    // The SSH gateway's port is picked once, so a restarted VM host keeps it (and the Worker's config holds).
    const sshPort = opts.sshPort || (await freePort());
    const vmHost = vmHostPart({
      port: opts.vmHostPort || (await freePort()),
      // A restarted VM host keeps its forwarding port too.
      forwardPort: await freePort(),
      sshPort,
      dataDir: join(dataDir, 'vm-host'),
      apiKey: secrets.vmHostApiKey,
      readonlyPaths: [reposDir, ...(opts.readonlyPaths ?? [])],
      memoryMiB: opts.vmMemoryMiB,
      diskMiB: opts.vmDiskMiB,
      log,
    });
    await run(vmHost.part);
    if (opts.ephemeral) beforeStop = vmHost.deleteAllVms;

    if (opts.buildWeb !== false) buildWebIfStale(root, log);
    // wrangler refuses to start without the assets folder; API-only runs serve an empty one.
    else mkdirSync(join(root, 'dist/web'), { recursive: true });
    const url = `http://127.0.0.1:${opts.port}`;
    // The VM host's forward-auth calls skip wrangler's dev proxy (production has none): a relay. It
    // binds its port before wrangler starts (a port picked and left unbound that long was taken by
    // another stack); until the Worker is up, it holds connections.
    const relay = workerRelayPart({ port: await freePort(), devPort: opts.port, log });
    await run(relay.part);
    await run(
      wranglerPart({
        port: opts.port,
        persistTo: join(dataDir, 'wrangler'),
        envFile: join(dataDir, 'worker.env'),
        vars: {
          DATABASE_URL: databaseUrl,
          NEON_WS_PROXY: proxy.address,
          BETTER_AUTH_SECRET: secrets.authSecret,
          SECRETS_ENCRYPTION_KEY: secrets.secretsEncryptionKey,
          BETTER_AUTH_URL: url,
          TRUSTED_ORIGINS: `http://localhost:${opts.port}`,
          VM_API_URL: vmHost.url,
          VM_FORWARD_URL: vmHost.forwardUrl,
          FREESTYLE_API_KEY: secrets.vmHostApiKey,
          LOCAL_MODE: 'true',
          LOCAL_REPOSITORY_ROOTS: [reposDir, ...(opts.readonlyPaths ?? [])].map((p) => resolve(p)).join(':'),
          SSH_GATEWAY_HOST: '127.0.0.1',
          SSH_GATEWAY_PORT: String(sshPort),
          FORWARD_AUTH_URL: `${relay.url}${FORWARD_AUTH_PATH}`,
          ...opts.extraVars,
        },
        log,
        onOutput: (line) => log(`[workerd] ${line}`),
        inspectorPort: opts.inspectorPort,
      }),
    );

    const stack: Stack = {
      url,
      databaseUrl,
      vmHostUrl: vmHost.url,
      vmHostApiKey: secrets.vmHostApiKey,
      vmHostForwardUrl: vmHost.forwardUrl,
      relayUrl: relay.url,
      pgWsProxy: proxy.address,
      vmHost: vmHost.part,
      parts,
      sshPort,
      stop,
    };
    if (opts.seed !== false) {
      const repositoryUrl = `file://${demoRepo}`;
      const { organizationId } = await seedDemoData(url, repositoryUrl);
      stack.demo = { email: DEMO_USER.email, password: DEMO_USER.password, organizationId, repositoryUrl };
    }
    return stack;
  } catch (err) {
    await stop();
    throw err;
  }
}
