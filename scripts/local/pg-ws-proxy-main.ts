import { startPgWsProxy } from './pg-ws-proxy';

// The database WebSocket proxy as a process of its own (see supervisor.ts): CW_PROXY_PORT and the
// Postgres it serves, CW_PG_HOST and CW_PG_PORT.
const proxy = await startPgWsProxy({
  target: { host: process.env.CW_PG_HOST!, port: Number(process.env.CW_PG_PORT) },
  port: Number(process.env.CW_PROXY_PORT),
  latencyMs: Number(process.env.CW_DB_LATENCY_MS ?? 0),
});
console.log(`[db-proxy] ready on ${proxy.address}`);
if (Number(process.env.CW_DB_LATENCY_MS))
  console.log(`[db-proxy] ${process.env.CW_DB_LATENCY_MS} ms per round trip`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => void proxy.close().finally(() => process.exit(0)));
}
