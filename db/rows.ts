import { Column, SQL, is } from 'drizzle-orm';
import type { SelectResultFields } from 'drizzle-orm/query-builders/select.types';

/** A flat selection: its keys are the answer's keys, in order. */
export type FlatFields = Record<string, Column | SQL | SQL.Aliased>;

/** What `JSON.stringify` makes of a value: a Date is its ISO text. */
type JsonValue<V> = V extends Date ? string : V;
export type JsonRow<F extends FlatFields> = {
  [K in keyof SelectResultFields<F>]: JsonValue<SelectResultFields<F>[K]>;
};

const TIMESTAMP = /^([1-9]\d{3}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;

/**
 * A `timestamptz` column's text (Postgres' output in UTC) as `new Date(text).toJSON()` writes it,
 * without the Date: milliseconds truncated. Other zones and forms go through a Date.
 */
export function timestampJson(text: string): string | null {
  const m = TIMESTAMP.exec(text);
  if (m) return `${m[1]}T${m[2]}.${((m[3] ?? '') + '000').slice(0, 3)}Z`;
  return new Date(text).toJSON();
}

type Decode = (value: unknown) => unknown;

function decoderOf(field: Column | SQL | SQL.Aliased): Decode | null {
  if (is(field, Column)) {
    const column = field as Column & { withTimezone?: boolean; mode?: string };
    if (column.columnType === 'PgTimestamp' && column.withTimezone) return (v) => timestampJson(v as string);
    if (column.dataType === 'date') return (v) => (column.mapFromDriverValue(v) as Date).toJSON();
    if (column.mapFromDriverValue === Column.prototype.mapFromDriverValue) return null;
    return (v) => column.mapFromDriverValue(v);
  }
  // Drizzle's own choice (utils.js, mapResultRow): an expression's decoder, `mapWith`'s or none.
  const expression = (is(field, SQL) ? field : (field as SQL.Aliased).sql) as unknown as {
    decoder: { mapFromDriverValue: Decode };
  };
  const decoder = expression.decoder;
  return (v) => decoder.mapFromDriverValue(v);
}

/**
 * Maps a flat select's rows (arrays, as the driver answers in array mode) to the objects
 * `JSON.stringify` would make of drizzle's: the same keys in the same order, the same values, but a
 * timestamp is already its JSON text. For the hottest reads: drizzle's general row mapping, and
 * stringifying Date objects, were a fifth of a list request's isolate CPU. Columns after `fields`'
 * (a cursor's) are left out; read them from the row.
 */
export function rowMapper<F extends FlatFields>(fields: F): (row: unknown[]) => JsonRow<F> {
  const keys = Object.keys(fields);
  const decoders = keys.map((k) => decoderOf(fields[k]!));
  return (row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const v = row[i];
      const decode = decoders[i];
      out[keys[i]!] = v === null || v === undefined ? null : decode ? decode(v) : v;
    }
    return out as JsonRow<F>;
  };
}
