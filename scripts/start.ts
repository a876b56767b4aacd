import { startStack } from './local/stack';
import { choosePort, isPortFree } from './local/ports';
import { printOutbox } from './local/outbox-printer';

const port = Number(process.env.PORT ?? 8787);
const started = Date.now();

async function main() {
  if (!(await isPortFree(port))) {
    console.error(`Port ${port} is in use. Stop what uses it or run with PORT=<another port> npm start.`);
    process.exit(1);
  }
  // A second stack on this machine gets a free port instead of failing on Postgres' usual one.
  const postgres = process.env.DATABASE_URL ? { port: 0 } : await choosePort('POSTGRES_PORT', 54329);
  if (postgres.note) console.log(`Postgres: ${postgres.note}.`);
  console.log('Starting Cloud Workspaces (Postgres, VM host, workerd)...');
  const stack = await startStack({
    dataDir: process.env.DATA_DIR ?? '.data',
    port,
    databaseUrl: process.env.DATABASE_URL,
    dbLatencyMs: Number(process.env.DB_LATENCY_MS ?? 0),
    postgresPort: postgres.port,
    vmHostPort: Number(process.env.VM_HOST_PORT ?? 0),
    sshPort: Number(process.env.VM_HOST_SSH_PORT ?? 0),
    // Folders of local repositories VMs may clone from (read-only), besides .data/repos.
    readonlyPaths: process.env.LOCAL_REPOSITORY_ROOTS?.split(':').filter(Boolean),
    log: (line) => console.log(line),
  });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`
  Cloud Workspaces is ready (${secs} s).

    Open      ${stack.url}
    Sign in   ${stack.demo?.email}  /  ${stack.demo?.password}
    Health    ${stack.url}/api/health
    Mail      ${stack.url}/api/dev/outbox  (nothing is sent locally; new mail is printed here too)

  The demo organization has a repository (${stack.demo?.repositoryUrl}) with branches
  main and feature/greeting. Data is kept in .data/ between runs. Ctrl-C stops everything.
  Parts that die are restarted (a [supervisor] line says which and why).
`);
  printOutbox(stack.url, (line) => console.log(line));
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping...');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGHUP', shutdown);
  // Whoever started us (npm) died without passing on a signal: stop rather than run on unowned.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown();
  }, 1000).unref();
}

main().catch((err) => {
  console.error('Could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
