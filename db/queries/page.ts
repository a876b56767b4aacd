import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

// Keyset pages, newest first: rows are ordered by (a timestamp, the id) descending and a cursor is the
// last row's pair, so the next page starts strictly after it whatever was inserted meanwhile.

export interface Cursor {
  /** Postgres' own text of the timestamp: microseconds, which a JS Date would round away. */
  at: string;
  id: string;
}

export const encodeCursor = (c: Cursor) => btoa(`${c.at}|${c.id}`).replace(/=+$/, '');

/** The cursor, or null when it is not one (a 400 for the caller). */
export function decodeCursor(s: string): Cursor | null {
  try {
    const [at, id, ...rest] = atob(s).split('|');
    if (rest.length || !at || !id || Number.isNaN(Date.parse(at)) || !/^[\w-]{1,64}$/.test(id)) return null;
    return { at, id };
  } catch {
    return null;
  }
}

/** The page's ordering columns as the cursor needs them: the timestamp's text, with every row. */
export const cursorAt = (at: SQLWrapper) => sql<string>`${at}::text`;

/**
 * `(at, id) < cursor`, with the column types named (`timestamptz` or `timestamp`; `uuid` or `text`).
 * The cursor's parts may be `sql.placeholder`s, for a prepared query.
 */
export function afterCursor(
  at: SQLWrapper,
  id: SQLWrapper,
  cursor: { at: unknown; id: unknown } | undefined,
  types: { at: 'timestamptz' | 'timestamp'; id: 'uuid' | 'text' },
): SQL | undefined {
  if (!cursor) return undefined;
  return sql`(${at}, ${id}) < (${cursor.at}::${sql.raw(types.at)}, ${cursor.id}::${sql.raw(types.id)})`;
}

/** Fetch `limit + 1` rows; this cuts the page and names the next cursor. */
export function toPage<R extends { id: string; cursorAt: string }>(rows: R[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page.map(({ cursorAt: _c, ...r }) => r) as Omit<R, 'cursorAt'>[],
    nextCursor: rows.length > limit && last ? encodeCursor({ at: last.cursorAt, id: last.id }) : null,
  };
}

// Lists kept in their own order (secrets by name, ports by number) page by that key: the cursor is the
// last row's key, tagged with the list's kind so one list's cursor is not another's.

export const encodeKeyCursor = (kind: string, key: string | number) =>
  btoa(`${kind}|${key}`).replace(/=+$/, '');

/** The key, or null when `s` is not a cursor of this kind (or `valid` refuses its key). */
export function decodeKeyCursor(kind: string, s: string, valid: (key: string) => boolean): string | null {
  try {
    const text = atob(s);
    if (!text.startsWith(`${kind}|`)) return null;
    const key = text.slice(kind.length + 1);
    return valid(key) ? key : null;
  } catch {
    return null;
  }
}

/** Fetch `limit + 1` rows in key order; this cuts the page and names the next cursor. */
export function toKeyPage<R>(kind: string, rows: R[], limit: number, keyOf: (r: R) => string | number) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page,
    nextCursor: rows.length > limit && last !== undefined ? encodeKeyCursor(kind, keyOf(last)) : null,
  };
}
