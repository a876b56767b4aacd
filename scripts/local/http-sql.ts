import type { IncomingMessage } from 'node:http';
import pg from 'pg';

/** The `application_name` of the HTTP path's pooled connections (Neon's pooler keeps its own too). */
export const HTTP_SQL_APPLICATION = 'cw-http-sql';

type SqlQuery = { query: string; params?: unknown[] };

const PG_ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'internalPosition',
  'internalQuery',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'file',
  'line',
  'routine',
] as const;

/** Statements kept prepared on one connection, at most (past it, statements are parsed each time). */
const PREPARED_PER_CONNECTION = 256;

export interface SqlResult {
  command: string | null;
  rowCount: number | null;
  rows: (string | null)[][];
  fields: { name: string; dataTypeID: number }[];
  rowAsArray: true;
}

/**
 * Neon's SQL-over-HTTP endpoint: raw text values in array mode, a batch as one transaction. Like
 * Neon's own pooler it keeps connections open, and it sends a request's statements to Postgres in one
 * pipeline (one write, one answer: `begin`, each statement, `commit`, then one Sync), each statement
 * prepared once per connection by its text, so Postgres parses and plans it once.
 */
export class HttpSql {
  private pools = new Map<string, pg.Pool>();
  constructor(
    private readonly target: { host: string; port: number },
    private readonly allowed: Set<string>,
  ) {}

  private pool(connectionString: string) {
    let pool = this.pools.get(connectionString);
    if (!pool) {
      // Only ever the database this proxy serves (checked in handle).
      const url = new URL(connectionString);
      pool = new pg.Pool({
        host: this.target.host,
        port: this.target.port,
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: url.pathname.slice(1) || 'postgres',
        max: 20,
        application_name: HTTP_SQL_APPLICATION,
        idleTimeoutMillis: 30_000,
      });
      pool.on('error', () => {});
      this.pools.set(connectionString, pool);
    }
    return pool;
  }

  /** Whether `connectionString` names the database this proxy serves (checked once per string). */
  private allowedConnections = new Map<string, string | null>();
  private refusal(connectionString: string): string | null {
    let refused = this.allowedConnections.get(connectionString);
    if (refused === undefined) {
      const { hostname, port } = new URL(connectionString);
      refused = this.allowed.has(`${hostname}:${port || 5432}`) ? null : hostname;
      if (this.allowedConnections.size < 64) this.allowedConnections.set(connectionString, refused);
    }
    return refused;
  }

  async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    let client: pg.PoolClient | undefined;
    let broken: Error | undefined;
    try {
      const body = JSON.parse(await readBody(req)) as SqlQuery | { queries: SqlQuery[] };
      const conn = req.headers['neon-connection-string'];
      if (typeof conn !== 'string')
        return { status: 400, body: { message: 'Neon-Connection-String missing' } };
      const refused = this.refusal(conn);
      if (refused !== null) {
        // Another database is out of reach, as a wrong host is in production.
        return { status: 400, body: { message: `could not connect to ${refused}`, code: '08001' } };
      }
      try {
        client = await this.pool(conn).connect();
      } catch (err) {
        // Neon answers a database it cannot reach as a connection failure.
        return { status: 400, body: { message: (err as Error).message, code: '08006' } };
      }
      const batch = 'queries' in body;
      const queries = batch ? body.queries : [body];
      if (!Array.isArray(queries)) throw new Error('queries must be an array');
      const statements = queries.map(statement);
      if (batch) {
        const level = req.headers['neon-batch-isolation-level'];
        const readOnly = req.headers['neon-batch-read-only'] === 'true';
        const begin = `begin${level ? ` isolation level ${isolation(String(level))}` : ''}${readOnly ? ' read only' : ''}`;
        statements.unshift({ text: begin, values: [] });
        statements.push({ text: 'commit', values: [] });
      }
      let results: SqlResult[];
      try {
        results = await runPipeline(client, statements);
      } catch (err) {
        // A statement failed: Postgres skipped the rest, so a batch's transaction is open and failed.
        if (batch) await client.query('rollback').catch((e: Error) => (broken = e));
        if (isStalePlan(err)) {
          // A table changed under a prepared statement: forget this connection's, and try once more.
          forgetPrepared(client);
          results = await runPipeline(client, statements);
          if (batch) results = results.slice(1, -1);
          return { status: 200, body: batch ? { results } : results[0] };
        }
        throw err;
      }
      if (batch) results = results.slice(1, -1);
      return { status: 200, body: batch ? { results } : results[0] };
    } catch (err) {
      const e = err as Record<string, unknown>;
      const out: Record<string, unknown> = { message: String(e.message ?? err) };
      for (const f of PG_ERROR_FIELDS) if (e[f] !== undefined) out[f] = e[f];
      return { status: 400, body: out };
    } finally {
      client?.release(broken);
    }
  }

  async close() {
    await Promise.all([...this.pools.values()].map((p) => p.end().catch(() => {})));
  }
}

interface Statement {
  text: string;
  /** Already in Postgres' text form (or a Buffer, or null). */
  values: unknown[];
}

function statement(q: SqlQuery): Statement {
  if (typeof q?.query !== 'string') throw new Error('query must be a string');
  // What node-postgres did with each value before: arrays as Postgres arrays, objects as JSON, ...
  return { text: q.query, values: (q.params ?? []).map(prepareValue) };
}

const { prepareValue } = (pg as unknown as { utils: { prepareValue(v: unknown): unknown } }).utils;

/** Each connection's prepared statements: their text, and the name Postgres knows them by. */
interface Prepared {
  names: Map<string, string>;
  next: number;
}
const preparedOf = new WeakMap<object, Prepared>();

function prepared(client: pg.PoolClient): Prepared {
  let p = preparedOf.get(client);
  if (!p) preparedOf.set(client, (p = { names: new Map(), next: 0 }));
  return p;
}

function forgetPrepared(client: pg.PoolClient) {
  // Fresh names from here on: the old statements stay on the server until the connection ends.
  prepared(client).names.clear();
}

const isStalePlan = (err: unknown) =>
  (err as { code?: string })?.code === '0A000' &&
  /cached plan must not change result type/.test(String((err as Error).message));

function runPipeline(client: pg.PoolClient, statements: Statement[]): Promise<SqlResult[]> {
  return new Promise((resolve, reject) => {
    void client.query(new Pipeline(statements, prepared(client), resolve, reject) as never);
  });
}

const commandTag = /^([A-Za-z]+)(?: (\d+))?(?: (\d+))?/;

/**
 * A node-postgres Submittable (as pg-cursor is): Parse (if new on this connection) / Bind / Describe /
 * Execute for every statement, then one Sync, written at once. Results come back in order; Postgres
 * stops at the first error and skips to the Sync.
 */
class Pipeline {
  private results: SqlResult[] = [];
  private current: SqlResult = emptyResult();
  private named: [string, string][] = [];

  constructor(
    private readonly statements: Statement[],
    private readonly prepared: Prepared,
    private readonly done: (r: SqlResult[]) => void,
    private readonly fail: (e: Error) => void,
  ) {}

  submit(connection: PgConnection) {
    connection.stream.cork?.();
    try {
      for (const s of this.statements) {
        let name = this.prepared.names.get(s.text);
        if (name === undefined) {
          name = '';
          if (this.prepared.next < PREPARED_PER_CONNECTION) {
            name = `cw_${this.prepared.next++}`;
            this.named.push([s.text, name]);
          }
          connection.parse({ text: s.text, name, types: [] });
        }
        connection.bind({ statement: name, values: s.values });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '', rows: 0 });
      }
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(msg: { fields: { name: string; dataTypeID: number }[] }) {
    this.current.fields = msg.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
  }

  handleDataRow(msg: { fields: (string | null)[] }) {
    this.current.rows.push(msg.fields);
  }

  handleCommandComplete(msg: { text: string }) {
    const m = commandTag.exec(msg.text);
    if (m) {
      this.current.command = m[1]!;
      if (m[3]) this.current.rowCount = parseInt(m[3], 10);
      else if (m[2]) this.current.rowCount = parseInt(m[2], 10);
    }
    this.results.push(this.current);
    this.current = emptyResult();
  }

  handleEmptyQuery() {
    this.results.push(this.current);
    this.current = emptyResult();
  }

  handlePortalSuspended() {}

  handleError(err: Error) {
    // node-postgres hands a Submittable the error in place of its ReadyForQuery.
    this.fail(err);
  }

  handleReadyForQuery() {
    // Every statement parsed: their names hold on this connection from now on.
    for (const [text, name] of this.named) this.prepared.names.set(text, name);
    this.done(this.results);
  }

  handleCopyInResponse(connection: PgConnection) {
    connection.sendCopyFail('COPY is not supported over HTTP');
  }

  handleCopyData() {}
}

interface PgConnection {
  stream: { cork?(): void; uncork?(): void };
  parse(q: { text: string; name: string; types: never[] }): void;
  bind(c: { statement: string; values: unknown[] }): void;
  describe(m: { type: 'P'; name: string }): void;
  execute(c: { portal: string; rows: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

const emptyResult = (): SqlResult => ({
  command: null,
  rowCount: null,
  rows: [],
  fields: [],
  rowAsArray: true,
});

function isolation(level: string) {
  const known: Record<string, string> = {
    ReadUncommitted: 'read uncommitted',
    ReadCommitted: 'read committed',
    RepeatableRead: 'repeatable read',
    Serializable: 'serializable',
  };
  return known[level] ?? 'read committed';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
