import { fillPlaceholders, type Query, type SQL } from 'drizzle-orm';
import type { RunnableQuery } from 'drizzle-orm/runnable-query';
import type { Database } from './client';

interface Statement<R> {
  execute(values?: Record<string, unknown>): Promise<R>;
  /** The rows as arrays, unmapped (both drivers' prepared queries have it). */
  values(values?: Record<string, unknown>): Promise<unknown[][]>;
  getQuery(): { sql: string; params: unknown[] };
  mapResult(response: unknown, fromBatch?: boolean): unknown;
}

type Prepared<R> = RunnableQuery<R, 'pg'> & PromiseLike<R>;
type Build<R> = () => { prepare(name: string): { execute(values?: Record<string, unknown>): Promise<R> } };

const statements = new WeakMap<Database, Map<string, Statement<unknown>>>();

/**
 * A query whose SQL text is built once per database handle (once per isolate on the HTTP path), from
 * `build` with `sql.placeholder`s, and run with each request's `values`. Drizzle builds a select's text
 * anew on every call, a measurable part of a list request's CPU. `key` names one shape of the query
 * (which clauses it has). The result is awaited alone or goes in `db.batch([...])`. With `rows`, the
 * answer is the driver's rows as arrays, unmapped (for a mapper of its own, db/rows.ts).
 */
export function prepared<R>(
  db: Database,
  key: string,
  build: Build<R>,
  values: Record<string, unknown>,
): Prepared<R>;
export function prepared(
  db: Database,
  key: string,
  build: Build<unknown>,
  values: Record<string, unknown>,
  rows: 'rows',
): Prepared<unknown[][]>;
export function prepared<R>(
  db: Database,
  key: string,
  build: Build<R>,
  values: Record<string, unknown>,
  rows?: 'rows',
): Prepared<unknown> {
  let byKey = statements.get(db);
  if (!byKey) statements.set(db, (byKey = new Map()));
  let statement = byKey.get(key) as Statement<R> | undefined;
  if (!statement) byKey.set(key, (statement = build().prepare(key) as unknown as Statement<R>));
  const s = statement;
  const item = {
    // What db.batch sends: the prepared text, this request's values in its placeholders.
    _prepare: () => ({
      getQuery: () => {
        const q = s.getQuery();
        return { sql: q.sql, params: fillPlaceholders(q.params, values) };
      },
      isResponseInArrayMode: () =>
        (s as unknown as { isResponseInArrayMode(): boolean }).isResponseInArrayMode(),
      mapResult: (response: unknown, fromBatch?: boolean) =>
        rows ? (response as { rows: unknown[][] }).rows : s.mapResult(response, fromBatch),
    }),
    then: <A = unknown, B = never>(
      ok?: ((r: unknown) => A | PromiseLike<A>) | null,
      fail?: ((e: unknown) => B | PromiseLike<B>) | null,
    ) => (rows ? s.values(values) : s.execute(values)).then(ok, fail),
  };
  return item as unknown as Prepared<unknown>;
}

interface Internals {
  dialect: { sqlToQuery(sql: SQL): Query };
  session: { prepareQuery(query: Query, fields: undefined, name: string, arrayMode: boolean): unknown };
}

/**
 * `db.execute(build())` as `prepared`: the statement's text built once per shape, its answer the
 * driver's whole result (`rows` as objects), as `db.execute` answers.
 */
export function preparedSql<R>(
  db: Database,
  key: string,
  build: () => SQL,
  values: Record<string, unknown>,
): Prepared<R> {
  const { dialect, session } = db as unknown as Internals;
  const statement = () => ({
    prepare: (name: string) =>
      session.prepareQuery(dialect.sqlToQuery(build()), undefined, name, false) as {
        execute(values?: Record<string, unknown>): Promise<R>;
      },
  });
  return prepared<R>(db, key, statement, values);
}
