import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { neon, neonConfig, type NeonQueryFunction } from '@neondatabase/serverless';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type LocalPostgres } from './postgres';
import { startPgWsProxy, type PgWsProxy } from './pg-ws-proxy';
import { freePort } from './ports';

// The local stand-in for Neon's HTTP query path, through Neon's own driver (what the Worker uses):
// what comes back, transactions, errors, and the prepared statements it keeps per connection.

let dir: string;
let db: LocalPostgres;
let proxy: PgWsProxy;
let sql: NeonQueryFunction<false, false>;
let admin: pg.Client;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cw-http-sql-test-'));
  db = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: await freePort() });
  proxy = await startPgWsProxy({ target: { host: '127.0.0.1', port: Number(new URL(db.url).port) } });
  neonConfig.fetchEndpoint = `http://${proxy.address}/sql`;
  sql = neon(db.url);
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  await admin.query(
    'create table items (id serial primary key, name text unique, at timestamptz, tags jsonb)',
  );
});

afterAll(async () => {
  await admin?.end();
  await proxy?.close();
  await db?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the local Neon HTTP path, through Neon's driver", () => {
  it('answers a query with its parameters, typed as Neon types them', async () => {
    const rows = await sql.query(
      `select $1::int as n, $2::text as t, $3::jsonb as j, $4::bool as b, null::text as z,
        '2026-01-02 03:04:05.123456+00'::timestamptz as at, $5::int[] as arr`,
      [41, 'hé', JSON.stringify({ a: [1] }), true, [1, 2]],
    );
    expect(rows).toEqual([
      { n: 41, t: 'hé', j: { a: [1] }, b: true, z: null, at: expect.any(Date), arr: [1, 2] },
    ]);
    expect((rows[0] as { at: Date }).at.toISOString()).toBe('2026-01-02T03:04:05.123Z');
  });

  it('gives full results: the command, the row count and the fields', async () => {
    const r = await sql.query('insert into items (name) values ($1), ($2) returning id', ['a', 'b'], {
      fullResults: true,
      arrayMode: true,
    });
    expect(r.command).toBe('INSERT');
    expect(r.rowCount).toBe(2);
    expect(r.fields.map((f) => f.name)).toEqual(['id']);
    expect(r.rows).toHaveLength(2);
    const none = await sql.query('update items set name = name where false', [], { fullResults: true });
    expect(none).toMatchObject({ command: 'UPDATE', rowCount: 0, rows: [] });
  });

  it('runs a batch as one transaction, in order', async () => {
    const [ins, sel] = await sql.transaction([
      sql.query('insert into items (name) values ($1) returning name', ['c']),
      sql.query('select count(*)::int as n from items where name = $1', ['c']),
    ]);
    expect(ins).toEqual([{ name: 'c' }]);
    expect(sel).toEqual([{ n: 1 }]);
  });

  it('rolls a failed batch back whole, and the connection keeps working', async () => {
    const failing = sql.transaction([
      sql.query('insert into items (name) values ($1)', ['d']),
      sql.query('insert into items (name) values ($1)', ['a']), // unique violation
      sql.query('insert into items (name) values ($1)', ['e']),
    ]);
    await expect(failing).rejects.toMatchObject({ code: '23505', constraint: 'items_name_key' });
    const { rows } = await admin.query("select name from items where name in ('d', 'e')");
    expect(rows).toEqual([]);
    // The same statements again, on the pool's connections that saw the failure.
    for (let i = 0; i < 25; i++) {
      const [n] = await sql.transaction([
        sql.query('select count(*)::int as n from items where name = $1', ['a']),
      ]);
      expect(n).toEqual([{ n: 1 }]);
    }
  });

  it("keeps a read-only batch's promise: no writes", async () => {
    const write = sql.transaction([sql.query('insert into items (name) values ($1)', ['f'])], {
      readOnly: true,
    });
    await expect(write).rejects.toMatchObject({ code: '25006' });
    const [level] = await sql.transaction([sql.query('show transaction_isolation')], {
      isolationLevel: 'Serializable',
    });
    expect(level).toEqual([{ transaction_isolation: 'serializable' }]);
  });

  it("answers bad SQL with Postgres' error and position", async () => {
    await expect(sql.query('select nope from items')).rejects.toMatchObject({ code: '42703' });
    await expect(sql.query('selec 1')).rejects.toMatchObject({ code: '42601', position: '1' });
    // One statement per query, as on Neon (its proxy prepares each statement).
    await expect(sql.query('select 1; select 2')).rejects.toMatchObject({ code: '42601' });
  });

  it('reads a table changed under its prepared statements as it is now', async () => {
    const read = () => sql.query('select * from items where name = $1', ['a']);
    for (let i = 0; i < 25; i++) await read(); // prepared on every pooled connection
    await admin.query('alter table items add column extra text default $$x$$');
    for (let i = 0; i < 25; i++) expect(await read()).toEqual([expect.objectContaining({ extra: 'x' })]);
  });

  it('refuses a database it does not serve', async () => {
    const other = neon('postgres://postgres:x@db.example.test:5432/postgres');
    await expect(other.query('select 1')).rejects.toThrow(/could not connect to db.example.test/);
  });
});
