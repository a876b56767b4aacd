import { startEmbeddedPostgres } from './postgres';

// The embedded Postgres as a process of its own (see supervisor.ts): CW_PG_DATA_DIR, CW_PG_PORT and
// CW_PG_PASSWORD (in the environment, which only its owner can read, never on a command line).
// Exits when the server does, so the supervisor notices and restarts it.
const pg = await startEmbeddedPostgres({
  dataDir: process.env.CW_PG_DATA_DIR!,
  port: Number(process.env.CW_PG_PORT),
  password: process.env.CW_PG_PASSWORD,
  log: (line) => console.log(`[postgres] ${line}`),
}).catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
console.log(`[postgres] ready on 127.0.0.1:${process.env.CW_PG_PORT}`);

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    stopping = true;
    pg.stop().finally(() => process.exit(0));
  });
}
await pg.exited;
if (!stopping) {
  console.error('[postgres] the server process exited');
  process.exit(1);
}
