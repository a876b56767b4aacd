/** `?limit=` when none is given, and the most it may be (core/schemas/page.ts). */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;

/** What every paged list carries besides its rows. */
export interface Paged {
  /** Pass as `?cursor=` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** The most pages a client follows for one list (at 200 a page, 20,000 rows). */
export const MAX_PAGES = 100;

/**
 * Every row of a paged list: asks for pages (`fetchPage(cursor)`) until `nextCursor` is null and
 * returns the first page's shape with all the rows under `key`. For clients that show a whole list.
 */
export async function followCursors<K extends string, R extends Paged & Record<K, unknown[]>>(
  key: K,
  fetchPage: (cursor?: string) => Promise<R>,
): Promise<R> {
  const first = await fetchPage();
  const rows = [...first[key]];
  let next = first.nextCursor;
  for (let i = 1; next && i < MAX_PAGES; i++) {
    const page = await fetchPage(next);
    rows.push(...page[key]);
    next = page.nextCursor;
  }
  return { ...first, [key]: rows, nextCursor: null };
}
