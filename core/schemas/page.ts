import { z } from 'zod';
import { boundedIntQuery, text } from './text';
import { PAGE_DEFAULT, PAGE_MAX } from '../api/page';

// Every list of the API pages the same way: `?limit=` (default 50, at most 200) and `?cursor=`, the
// `nextCursor` of the page before. Keyset pages (README, "Lists"): a row is on one page only, however
// many rows are added meanwhile.
export { PAGE_DEFAULT, PAGE_MAX } from '../api/page';

export const PageQuery = z.object({
  cursor: text(200).optional(),
  limit: boundedIntQuery(1, PAGE_MAX).optional().default(PAGE_DEFAULT),
});
export type PageParams = z.output<typeof PageQuery>;
