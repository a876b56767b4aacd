import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startEmbeddedPostgres, type LocalPostgres } from './postgres';
import { startPgWsProxy, type PgWsProxy } from './pg-ws-proxy';
import { applyMigrations } from './migrate';
import { startWranglerDev, type WranglerDev } from './wrangler-dev';
import { loadLocalSecrets } from './secrets';
import { createDemoRepository } from './demo-repo';
import { seedDemoData, DEMO_USER } from './seed';
import { freePort } from './ports';
import { startVmHost } from '../../vm-host/src/server';

export interface StackOptions {
  root?: string;
  dataDir: string;
  port: number;
  databaseUrl?: string;
  /** Port of the embedded Postgres; 0 picks a free one. */
  postgresPort?: number;
  vmHostPort?: number;
  /** Extra host paths every VM may read (tests put their origin repositories there). */
  readonlyPaths?: string[];
  seed?: boolean;
  buildWeb?: boolean;
  log?: (line: string) => void;
  extraVars?: Record<string, string>;
  /** Tests: on stop, delete every VM (and its cgroups) instead of keeping them for the next start. */
  ephemeral?: boolean;
  /** The Worker's V8 inspector (the bench reads the isolate's heap through it); wrangler picks one if unset. */
  inspectorPort?: number;
}

export interface Stack {
  url: string;
  databaseUrl: string;
  vmHostUrl: string;
  vmHostApiKey: string;
  /** The VM host's forwarding listener (`/v5/tls` domains), for preview traffic. */
  vmHostForwardUrl: string;
  /** `host:port` of the WebSocket-to-Postgres proxy the Worker uses. */
  pgWsProxy: string;
  /** Tests stop and restart the VM host (same port) to see the product survive it. */
  vmHost: { stop(): Promise<void>; start(): Promise<void> };
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

/** The whole product on this machine: Postgres, its WebSocket proxy, the VM host and workerd. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const root = resolve(opts.root ?? process.cwd());
  const log = opts.log ?? ((line: string) => console.log(line));
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const secrets = loadLocalSecrets(dataDir);
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e) => log(`stop: ${e}`));
  };

  try {
    let databaseUrl = opts.databaseUrl;
    if (!databaseUrl) {
      const pg: LocalPostgres = await startEmbeddedPostgres({
        dataDir: join(dataDir, 'postgres'),
        port: opts.postgresPort || (await freePort()),
        password: secrets.postgresPassword,
        log,
      });
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }
    await applyMigrations(databaseUrl);
    const target = new URL(databaseUrl);
    const proxy: PgWsProxy = await startPgWsProxy({
      target: { host: target.hostname, port: Number(target.port || 5432) },
    });
    stops.push(proxy.close);

    const reposDir = join(dataDir, 'repos');
    const demoRepo = createDemoRepository(join(reposDir, 'demo.git'));
    const vmHostOptions = {
      port: opts.vmHostPort ?? 0,
      forwardPort: 0,
      dataDir: join(dataDir, 'vm-host'),
      apiKey: secrets.vmHostApiKey,
      readonlyPaths: [reposDir, ...(opts.readonlyPaths ?? [])],
      log,
    };
    let vmHost: Awaited<ReturnType<typeof startVmHost>> | undefined = await startVmHost(vmHostOptions);
    const vmHostUrl = vmHost.url;
    const vmHostForwardUrl = vmHost.forwardUrl;
    vmHostOptions.port = Number(new URL(vmHostUrl).port);
    // A restarted VM host keeps its forwarding port too.
    vmHostOptions.forwardPort = Number(new URL(vmHostForwardUrl).port);
    const vmHostControl = {
      stop: async () => {
        await vmHost?.close();
        vmHost = undefined;
      },
      destroy: async () => {
        await vmHost?.destroy();
        vmHost = undefined;
      },
      start: async () => {
        vmHost ??= await startVmHost(vmHostOptions);
      },
    };
    stops.push(opts.ephemeral ? vmHostControl.destroy : vmHostControl.stop);

    if (opts.buildWeb !== false) buildWebIfStale(root, log);
    // wrangler refuses to start without the assets folder; API-only runs serve an empty one.
    else mkdirSync(join(root, 'dist/web'), { recursive: true });
    const url = `http://127.0.0.1:${opts.port}`;
    const wrangler: WranglerDev = await startWranglerDev({
      port: opts.port,
      persistTo: join(dataDir, 'wrangler'),
      envFile: join(dataDir, 'worker.env'),
      vars: {
        DATABASE_URL: databaseUrl,
        NEON_WS_PROXY: proxy.address,
        BETTER_AUTH_SECRET: secrets.authSecret,
        BETTER_AUTH_URL: url,
        TRUSTED_ORIGINS: `http://localhost:${opts.port}`,
        VM_API_URL: vmHostUrl,
        FREESTYLE_API_KEY: secrets.vmHostApiKey,
        LOCAL_MODE: 'true',
        ...opts.extraVars,
      },
      onOutput: (line) => log(`[workerd] ${line}`),
      inspectorPort: opts.inspectorPort,
    });
    stops.push(wrangler.stop);

    const stack: Stack = {
      url,
      databaseUrl,
      vmHostUrl,
      vmHostApiKey: secrets.vmHostApiKey,
      vmHostForwardUrl,
      pgWsProxy: proxy.address,
      vmHost: vmHostControl,
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
