import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { TlsForwardAuthData } from '../../core/vm/types';

export type ForwardAuthConfig = TlsForwardAuthData & { secretHeaders?: Record<string, string> };

/** Allowed: headers to add to the request to the VM. Denied: the authorizer's answer, given to the client. */
export type AuthOutcome =
  | { allow: true; headers: Record<string, string> }
  | { allow: false; status: number; headers: [string, string][]; body: Buffer };

// Hop-by-hop, or describing a body the authorization request does not carry.
const NOT_PASSED = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'expect',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
]);
const DENY_HEADERS = new Set(['location', 'set-cookie', 'content-type', 'www-authenticate', 'cache-control']);

/**
 * Freestyle's forward auth as the SDK describes it (the wire of the subrequest is ours, in the
 * usual forward-auth form): a GET to the configured URL with the client's headers and
 * `X-Forwarded-{Method,Proto,Host,Uri,For}`; a 2xx allows, anything else is the client's answer.
 */
export async function checkForwardAuth(
  config: ForwardAuthConfig,
  req: IncomingMessage,
  forwarded: { proto: string; host: string; for: string },
): Promise<AuthOutcome> {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || NOT_PASSED.has(k) || k.startsWith('x-forwarded-')) continue;
    headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  headers.set('x-forwarded-method', req.method ?? 'GET');
  headers.set('x-forwarded-proto', forwarded.proto);
  headers.set('x-forwarded-host', forwarded.host);
  headers.set('x-forwarded-uri', req.url ?? '/');
  headers.set('x-forwarded-for', forwarded.for);
  for (const [k, v] of Object.entries(config.secretHeaders ?? {})) headers.set(k, v);

  let res: AuthAnswer;
  try {
    res = await ask(config.url, headers, config.timeoutMs);
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    const body = Buffer.from(
      JSON.stringify({
        code: timedOut ? 'FORWARD_AUTH_TIMEOUT' : 'FORWARD_AUTH_UNREACHABLE',
        message: `forward auth ${config.id}: ${(e as Error).message}`,
      }),
    );
    return {
      allow: false,
      status: timedOut ? 504 : 502,
      headers: [['content-type', 'application/json']],
      body,
    };
  }
  if (res.status >= 200 && res.status < 300) {
    const add: Record<string, string> = {};
    for (const name of config.authResponseHeaders ?? []) {
      const v = res.headers[name.toLowerCase()];
      if (v !== undefined) add[name.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
    return { allow: true, headers: add };
  }
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined || !DENY_HEADERS.has(k)) continue;
    for (const x of Array.isArray(v) ? v : [v]) out.push([k, x]);
  }
  return { allow: false, status: res.status, headers: out, body: res.body };
}

interface AuthAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

// node:http with kept-alive connections, not fetch: the subrequest precedes every request, and
// fetch's own overhead was about 3 ms of it on this machine.
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

/**
 * GET `url` with `headers`, the whole answer (an authorizer's answers are small), redirects not followed.
 * A kept-alive connection the authorizer closed meanwhile (a restart) fails at once: asked again once.
 */
async function ask(url: string, headers: Headers, timeoutMs: number): Promise<AuthAnswer> {
  try {
    return await askOnce(url, headers, timeoutMs);
  } catch (e) {
    if (!(e as { reusedSocket?: boolean }).reusedSocket) throw e;
    return askOnce(url, headers, timeoutMs);
  }
}

function askOnce(url: string, headers: Headers, timeoutMs: number): Promise<AuthAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing: Record<string, string> = {};
    headers.forEach((v, k) => (outgoing[k] = v));
    const req = send(u, { headers: outgoing, agent: agents[u.protocol as 'http:' | 'https:'] });
    const timer = setTimeout(() => {
      const e = new Error(`no answer within ${timeoutMs} ms`);
      e.name = 'TimeoutError';
      req.destroy(e);
    }, timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      const reset = (e as NodeJS.ErrnoException).code === 'ECONNRESET' && e.name !== 'TimeoutError';
      reject(Object.assign(e, { reusedSocket: reset && req.reusedSocket }));
    });
    req.end();
  });
}

/** The Cookie header without the protected names (the VM never sees the authorizer's cookies). */
export function withoutCookies(cookie: string | undefined, names: string[]): string | undefined {
  if (!cookie || names.length === 0) return cookie;
  const kept = cookie
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && !names.includes(c.split('=')[0]!.trim()));
  return kept.length ? kept.join('; ') : undefined;
}

/** Whether a Set-Cookie from the VM would set a protected cookie (it is dropped). */
export const setsProtectedCookie = (setCookie: string, names: string[]) =>
  names.includes(setCookie.split('=')[0]!.trim());
