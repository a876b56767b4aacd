// A thin typed fetch wrapper. Why not Hono's `hc<ApiRoutes>`: importing the Worker's route types into the
// browser type-check pulls in the Durable Object and workerd globals (DurableObjectStorage, Fetcher,
// `cloudflare:workers`), which tsconfig.web.json (DOM lib, no workers types) cannot resolve, so
// `npm run typecheck` fails. The response shapes live in the platform-free `core/api/`, where the routes'
// handlers are typed against them too (worker/lib/reply.ts).
import type { ApiErrorBody } from '../../../core/errors';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Better Auth answers `{ message, code }`; our API answers `{ error: { code, message, field? } }`. */
function toApiError(status: number, body: unknown): ApiError {
  const ours = (body as Partial<ApiErrorBody> | null)?.error;
  if (ours && typeof ours === 'object' && typeof ours.message === 'string') {
    const { code, message, field, ...rest } = ours as ApiErrorBody['error'] & { field?: string };
    return new ApiError(status, code, message, field, rest);
  }
  const auth = body as { message?: unknown; code?: unknown } | null;
  if (auth && typeof auth.message === 'string' && auth.message) {
    return new ApiError(status, String(auth.code ?? 'error'), auth.message);
  }
  const fallback =
    status === 0
      ? 'Cannot reach the server. Check your connection and try again.'
      : status >= 500
        ? 'Something went wrong on our side. Please try again.'
        : `Request failed (${status}).`;
  return new ApiError(status, 'http_error', fallback);
}

type Query = Record<string, string | number | boolean | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

/** Called on every 401 from a non-auth route: the session ended elsewhere (signed out in another tab). */
let onUnauthorized: (() => void) | undefined;
export function setUnauthorizedHandler(fn: () => void) {
  onUnauthorized = fn;
}

/**
 * The server could not be reached, or answered that a dependency is down (503 `service_unavailable`,
 * or a proxy's bare 502/503/504): try again later, and never read it as "signed out".
 */
export function isUnreachable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.status === 0) return true;
  if (err.status === 503 && err.code === 'service_unavailable') return true;
  return err.code === 'http_error' && [502, 503, 504].includes(err.status);
}

/** Told of every request that found the server unreachable, and of every one that got through. */
let onReachability: ((reachable: boolean) => void) | undefined;
export function setReachabilityHandler(fn: (reachable: boolean) => void) {
  onReachability = fn;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), {
      method,
      credentials: 'same-origin',
      headers:
        opts.body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    onReachability?.(false);
    throw toApiError(0, null);
  }
  const text = await res.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/api/auth/')) onUnauthorized?.();
    const error = toApiError(res.status, body);
    if (isUnreachable(error)) onReachability?.(false);
    throw error;
  }
  onReachability?.(true);
  return body as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  del: <T = void>(path: string, body?: unknown) => request<T>('DELETE', path, { body }),
};

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
