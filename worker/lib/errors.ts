import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ErrorCode, type ApiErrorBody } from '../../core/errors';

/** An HTTPException whose response is our JSON error body. */
export function apiError(
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
  extra?: Record<string, unknown>,
): HTTPException {
  const body: ApiErrorBody = { error: { code, message, ...extra } };
  return new HTTPException(status, { res: Response.json(body, { status }), message });
}

export const unauthorized = () => apiError(401, ErrorCode.unauthorized, 'Sign in or send an API key.');
export const notFound = (what: string) => apiError(404, ErrorCode.notFound, `${what} not found.`);
