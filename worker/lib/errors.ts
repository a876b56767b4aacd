import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ErrorCode, type ApiErrorBody } from '../../core/errors';

export const RETRY_AFTER_SECONDS = 5;

/** An HTTPException whose response is our JSON error body. */
export function apiError(
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
  extra?: Record<string, unknown>,
): HTTPException {
  const body: ApiErrorBody = { error: { code, message, ...extra } };
  // A 503 is always "try again": say when, so clients back off instead of hammering.
  const headers: Record<string, string> =
    status === 503 ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : {};
  return new HTTPException(status, { res: Response.json(body, { status, headers }), message });
}

export const unauthorized = () => apiError(401, ErrorCode.unauthorized, 'Sign in or send an API key.');
export const notFound = (what: string) => apiError(404, ErrorCode.notFound, `${what} not found.`);
export const forbidden = (why = 'Your role in this organization does not allow this.') =>
  apiError(403, ErrorCode.forbidden, why);
