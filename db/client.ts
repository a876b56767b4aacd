import { neonConfig, Pool } from '@neondatabase/serverless';
import { drizzle } from 'drizzle-orm/neon-serverless';
import * as schema from './schema';
import type { Config } from '../core/config';

export type Database = ReturnType<typeof drizzle<typeof schema>>;

let proxyConfigured: string | undefined;

function configureDriver(proxy: string | undefined) {
  if (!proxy || proxyConfigured === proxy) return;
  // Locally the driver speaks WebSocket to a small proxy that pipes to Postgres' TCP port.
  neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
  proxyConfigured = proxy;
}

/** A Pool lives for one request on Workers: create it per request and end it after the response. */
export function createDb(config: Config): { db: Database; close: () => Promise<void> } {
  configureDriver(config.neonWsProxy);
  const pool = new Pool({ connectionString: config.databaseUrl, max: 4 });
  // An idle client losing its socket must not crash the isolate.
  pool.on('error', () => {});
  const db = drizzle(pool, { schema });
  return { db, close: () => pool.end().catch(() => {}) };
}
