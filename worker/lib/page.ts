import { ErrorCode } from '../../core/errors';
import { decodeCursor, decodeKeyCursor, type Cursor } from '../../db/queries/page';
import { apiError } from './errors';

/** The decoded `?cursor=`, undefined for the first page; a 400 naming the field when it is not one. */
export function cursorParam(cursor: string | undefined): Cursor | undefined {
  if (cursor === undefined) return undefined;
  const c = decodeCursor(cursor);
  if (!c) throw badCursor();
  return c;
}

const badCursor = () =>
  apiError(400, ErrorCode.validation, 'cursor: is not a cursor of this list', { field: 'cursor' });

/** The key of a key-ordered list's `?cursor=` (db/queries/page.ts), with the same 400. */
export function keyCursorParam(
  kind: string,
  cursor: string | undefined,
  valid: (key: string) => boolean,
): string | undefined {
  if (cursor === undefined) return undefined;
  const key = decodeKeyCursor(kind, cursor, valid);
  if (key === null) throw badCursor();
  return key;
}
