import { ErrorCode } from '../../core/errors';
import { quotaMessage, type LimitName } from '../../core/limits';
import { apiError } from './errors';

/** 409 `quota_exceeded`, naming the limit, its maximum and the current count. */
export const quotaError = (name: LimitName, max: number, current: number) =>
  apiError(409, ErrorCode.quotaExceeded, quotaMessage(name, max, current), { limit: { name, max, current } });
