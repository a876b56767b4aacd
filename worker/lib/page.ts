import { ErrorCode } from '../../core/errors';
import { decodeCursor, type Cursor } from '../../db/queries/page';
import { apiError } from './errors';

/** The decoded `?cursor=`, undefined for the first page; a 400 naming the field when it is not one. */
export function cursorParam(cursor: string | undefined): Cursor | undefined {
  if (cursor === undefined) return undefined;
  const c = decodeCursor(cursor);
  if (!c)
    throw apiError(400, ErrorCode.validation, 'cursor: is not a cursor of this list', { field: 'cursor' });
  return c;
}
