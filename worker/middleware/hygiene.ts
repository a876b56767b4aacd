import { createMiddleware } from 'hono/factory';
import { ErrorCode } from '../../core/errors';
import { findTextProblem, textProblem } from '../../core/schemas/text';
import { apiError } from '../lib/errors';
import { readBodyCapped } from '../webhooks/signature';
import type { AppEnv } from '../types';

// What is not schema-shaped, checked once in front of every route (ours, Better Auth's, the webhook's):
// the path, the query string, and JSON bodies as a whole. Schemas then check each field's own rules.

/** Larger than any body our routes or Better Auth take; exec's 100,000-character command fits. */
export const JSON_BODY_MAX_BYTES = 1024 * 1024;
const QUERY_VALUE_MAX = 4096;
/** Longer than any id or route name we have. */
const PATH_SEGMENT_MAX = 256;

const bad = (field: string, message: string) =>
  apiError(400, ErrorCode.validation, `${field}: ${message}`, { field });

function decode(s: string, plusIsSpace: boolean): string | null {
  try {
    return decodeURIComponent(plusIsSpace ? s.replace(/\+/g, ' ') : s);
  } catch {
    return null;
  }
}

function checkPath(pathname: string) {
  for (const segment of pathname.split('/')) {
    const decoded = decode(segment, false);
    if (decoded === null) throw bad('path', 'has malformed percent-encoding');
    if (decoded.length > PATH_SEGMENT_MAX) {
      throw bad('path', `a segment is longer than ${PATH_SEGMENT_MAX} characters`);
    }
    const problem = textProblem(decoded);
    if (problem) throw bad('path', problem);
  }
}

function checkQuery(search: string) {
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    const rawKey = at < 0 ? pair : pair.slice(0, at);
    const key = decode(rawKey, true);
    if (key === null) throw bad('query', 'has malformed percent-encoding');
    if (textProblem(key)) throw bad('query', `parameter name ${textProblem(key)}`);
    const value = decode(at < 0 ? '' : pair.slice(at + 1), true);
    if (value === null) throw bad(key, 'has malformed percent-encoding');
    if (value.length > QUERY_VALUE_MAX) throw bad(key, `must be at most ${QUERY_VALUE_MAX} characters`);
    const problem = textProblem(value);
    if (problem) throw bad(key, problem);
  }
}

const isJson = (type: string) => /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type);
const isForm = (type: string) => /^application\/x-www-form-urlencoded\s*(;|$)/i.test(type);

function hasBody(req: Request): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  const length = req.headers.get('content-length');
  if (length !== null) return Number(length) > 0;
  return req.headers.has('transfer-encoding') || req.body !== null;
}

export const inputHygiene = createMiddleware<AppEnv>(async (c, next) => {
  const url = new URL(c.req.url);
  checkPath(url.pathname);
  checkQuery(url.search);
  const req = c.req.raw;
  if (!hasBody(req)) return next();

  const type = req.headers.get('content-type') ?? '';
  const path = url.pathname;
  // GitHub sends JSON or a form; OAuth providers may post a form to Better Auth's callback.
  const formAllowed = path.startsWith('/webhooks/') || path.startsWith('/api/auth/callback/');
  if (!isJson(type) && !(formAllowed && isForm(type))) {
    throw apiError(
      415,
      ErrorCode.unsupportedMediaType,
      `Send the body as application/json${formAllowed ? ' or application/x-www-form-urlencoded' : ''} (got ${type.slice(0, 100) || 'no Content-Type'}).`,
    );
  }
  // The webhook reads its own (larger, signed) body and checks it after decoding.
  if (path.startsWith('/webhooks/') || !isJson(type)) return next();

  const bytes = await readBodyCapped(req, JSON_BODY_MAX_BYTES);
  if (!bytes) {
    throw apiError(
      413,
      ErrorCode.payloadTooLarge,
      `JSON bodies are limited to ${JSON_BODY_MAX_BYTES} bytes.`,
    );
  }
  let body: string;
  let value: unknown;
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    value = body.trim() === '' ? undefined : JSON.parse(body);
  } catch {
    throw apiError(400, ErrorCode.validation, 'The body is not valid JSON (UTF-8).', { field: 'body' });
  }
  const problem = findTextProblem(value);
  if (problem) throw bad(problem.field, problem.message);
  // The body is read once here: hand routes (and Better Auth, which reads the raw request) a fresh copy.
  c.req.raw = new Request(req.url, { method: req.method, headers: req.headers, body, signal: req.signal });
  // Hono caches body reads as promises; its type says string.
  (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(body);
  await next();
});
