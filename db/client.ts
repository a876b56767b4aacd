import { neon, neonConfig, Pool } from '@neondatabase/serverless';
import { drizzle as drizzleHttp } from 'drizzle-orm/neon-http';
import { drizzle as drizzleWs } from 'drizzle-orm/neon-serverless';
import * as schema from './schema';
import type { Config } from '../core/config';

/**
 * One handle for the Worker and the Durable Objects. Its queries go over Neon's HTTP path: each is one
 * round trip, with no connection to open (README, "Database path"), so the handle lives per isolate.
 * `db.batch([...])` sends several statements in one round trip (one transaction). `db.transaction(fn)`,
 * the only interactive use, opens a WebSocket connection for that transaction alone.
 */
export type Database = ReturnType<typeof drizzleHttp<typeof schema>>;

let proxyConfigured: string | undefined;

function configureDriver(proxy: string | undefined) {
  if (!proxy || proxyConfigured === proxy) return;
  // Locally the driver speaks to a small proxy (scripts/local/pg-ws-proxy.ts): WebSockets it pipes to
  // Postgres' TCP port, and Neon's HTTP query endpoint at /sql.
  neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
  neonConfig.fetchEndpoint = `http://${proxy}/sql`;
  proxyConfigured = proxy;
}

function newPool(url: string) {
  const pool = new Pool({ connectionString: url, max: 4 });
  // An idle client losing its socket must not crash the isolate.
  pool.on('error', () => {});
  return pool;
}

let cached: { key: string; db: Database } | undefined;

function httpDb(config: Config): Database {
  const key = `${config.databaseUrl}\n${config.neonWsProxy ?? ''}`;
  if (cached?.key === key) return cached.db;
  const db = drizzleHttp(neon(config.databaseUrl), { schema });
  // A transaction that reads before it writes needs a session: one WebSocket connection, for it alone.
  db.transaction = (async (fn: never, txConfig: never) => {
    const pool = newPool(config.databaseUrl);
    try {
      return await drizzleWs(pool, { schema }).transaction(fn, txConfig);
    } finally {
      // Not awaited: the connection's goodbye is no part of the answer.
      void pool.end().catch(() => {});
    }
  }) as Database['transaction'];
  cached = { key, db };
  return db;
}

/**
 * The database handle. `DB_TRANSPORT=pool` (local measurements only) is the path this replaced: every
 * query over a WebSocket Pool opened per request, so the bench can show both side by side.
 */
export function createDb(config: Config): { db: Database; close: () => Promise<void> } {
  configureDriver(config.neonWsProxy);
  if (config.dbTransport !== 'pool') return { db: httpDb(config), close: async () => {} };
  const pool = newPool(config.databaseUrl);
  const db = drizzleWs(pool, { schema }) as unknown as Database;
  // No batches on a Pool: the statements run one after the other on the request's connection.
  db.batch = (async (queries: PromiseLike<unknown>[]) => {
    const out = [];
    for (const q of queries) out.push(await q);
    return out;
  }) as never;
  return { db, close: () => pool.end().catch(() => {}) };
}
