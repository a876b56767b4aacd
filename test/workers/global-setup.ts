import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../scripts/local/postgres';
import { startPgWsProxy } from '../../scripts/local/pg-ws-proxy';
import { applyMigrations } from '../../scripts/local/migrate';
import { freePort } from '../../scripts/local/ports';
import { createDemoRepository } from '../../scripts/local/demo-repo';
import { startVmHost } from '../../vm-host/src/server';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    pgProxy: string;
    vmHostUrl: string;
    vmHostForwardUrl: string;
    vmHostApiKey: string;
    reposDir: string;
  }
}

// The Worker under test talks to a real Postgres (through the same WebSocket proxy as `npm start`)
// and a real VM host; both run here in Node, outside workerd.
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'cw-workers-test-'));
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: await freePort() });
  await applyMigrations(pg.url);
  const proxy = await startPgWsProxy({ target: { host: '127.0.0.1', port: Number(new URL(pg.url).port) } });
  const reposDir = join(dir, 'repos');
  createDemoRepository(join(reposDir, 'demo.git'));
  const vmHostApiKey = 'test-vm-host-key';
  const vmHost = await startVmHost({
    port: 0,
    dataDir: join(dir, 'vm-host'),
    apiKey: vmHostApiKey,
    readonlyPaths: [reposDir],
    // Small enough that room-health.test.ts can run a VM out of memory and fill its disk.
    memoryMiB: 512,
    diskMiB: 256,
  });
  project.provide('databaseUrl', pg.url);
  project.provide('pgProxy', proxy.address);
  project.provide('vmHostUrl', vmHost.url);
  project.provide('vmHostForwardUrl', vmHost.forwardUrl);
  project.provide('vmHostApiKey', vmHostApiKey);
  project.provide('reposDir', reposDir);
  return async () => {
    await vmHost.destroy();
    await proxy.close();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
