import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { parseConfig } from '../../core/config';
import {
  FORWARD_COOKIE,
  PREVIEW_CALLBACK_PATH,
  PREVIEW_COOKIE,
  PREVIEW_STATE,
  PREVIEW_STATE_COOKIE,
  parsePreviewHost,
  safePreviewPath,
} from '../../core/ports';
import type {
  PreviewGate,
  PreviewGateRequest,
  PreviewPrincipal,
  PreviewSocketRequest,
} from '../../durable-objects/workspace-room';
import { upstreamUrl } from '../../durable-objects/room/preview-upstream';
import { API_KEY_PREFIX } from '../auth';
import { loadWorkspace } from '../lib/load';
import { roomFor } from '../lib/rooms';
import { requireAuth } from '../middleware/auth';
import { requestContext } from '../middleware/context';
import type { AppEnv } from '../types';
import { cachedGate, forgetGate, gateKey, rememberGate } from './gate-cache';
import * as pages from './pages';

// The preview hosts, `<port>-<workspaceId>.<PREVIEW_DOMAIN>`: a host per port, never the app's origin.
// The room decides who passes and whether the workspace can answer (room/preview.ts); this forwards
// the request as it came (method, body, streamed response, redirects, the app's cookies) to the VM
// platform's domain for the port, without our credentials. WebSockets are relayed by the room, so a
// revocation can close them.

type PreviewEnv = AppEnv & { Variables: { target: { port: number; workspaceId: string; host: string } } };

/** The port and workspace when the request is for a preview host. */
export function previewTarget(request: Request, env: Env) {
  let domain: string | undefined;
  try {
    domain = parseConfig(env).preview?.domain;
  } catch {
    return null; // misconfigured: the app answers with its 500
  }
  if (!domain) return null;
  const host = request.headers.get('host') ?? new URL(request.url).host;
  const t = parsePreviewHost(host, domain);
  return t ? { ...t, host } : null;
}

const randomState = () => {
  const b = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...b))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
};

const ourBearer = (h: string | undefined) => !!h && new RegExp(`^Bearer\\s+${API_KEY_PREFIX}`, 'i').test(h);

const wantsHtml = (req: Request) =>
  req.headers.get('sec-fetch-dest') === 'document' || (req.headers.get('accept') ?? '').includes('text/html');

/** The client's headers without our credentials; X-Forwarded-* say what the client used. */
function forwardHeaders(req: Request, host: string, scheme: string): Headers {
  const h = new Headers();
  req.headers.forEach((v, k) => {
    if (k === 'host' || k.startsWith('cf-') || k.startsWith('x-forwarded-') || k === 'x-real-ip') return;
    if (k === 'authorization' && ourBearer(v)) return;
    if (k === 'cookie') {
      const kept = v
        .split(';')
        .map((c) => c.trim())
        .filter((c) => {
          const name = c.split('=')[0]!.trim();
          return (
            c &&
            name !== PREVIEW_COOKIE &&
            name !== PREVIEW_STATE_COOKIE &&
            name !== FORWARD_COOKIE &&
            !/^(?:__Secure-|__Host-)?better-auth\./.test(name)
          );
        });
      if (kept.length) h.set('cookie', kept.join('; '));
      return;
    }
    h.append(k, v);
  });
  h.set('x-forwarded-host', host);
  h.set('x-forwarded-proto', scheme);
  const ip = req.headers.get('cf-connecting-ip');
  if (ip) h.set('x-forwarded-for', ip);
  return h;
}

/** How often a streamed answer asks whether its caller may still have it. */
const RECHECK_MS = 500;

/**
 * The app's answer as it streams (never buffered), ended once the room says the caller's access ended:
 * an SSE stream or a chunked download ends with a revocation, as a preview WebSocket does. It ends
 * cleanly (a last chunk), not with an error: workerd's dev proxy does not survive a response body
 * that errors mid-stream. An answer of known length is finite and passes untouched.
 */
function endsOnRevocation(res: Response, stillAllowed: () => Promise<boolean>): Response {
  if (!res.body || res.headers.has('content-length')) return res;
  const reader = res.body.getReader();
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  let revoked = false;
  const timer = setInterval(() => {
    stillAllowed().then(
      (ok) => {
        if (ok || revoked) return;
        revoked = true;
        void reader.cancel('access revoked').catch(() => {});
      },
      () => {}, // the room cannot be asked: the stream goes on, the next request is checked
    );
  }, RECHECK_MS);
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || revoked) break;
        await writer.write(value);
      }
      await writer.close();
    } catch {
      // The client left (the write failed) or the app's stream broke: end what is left quietly.
      await reader.cancel().catch(() => {});
      await writer.close().catch(() => {});
    } finally {
      clearInterval(timer);
    }
  })();
  return new Response(readable, res);
}

function headerList(h: Headers): [string, string][] {
  const out: [string, string][] = [];
  h.forEach((v, k) => out.push([k, v]));
  return out;
}

/** The forwarder's own answers (JSON `{ code }`), told apart from the app's. */
async function forwarderCode(res: Response): Promise<{ code?: string; text: string } | null> {
  if (![404, 409, 502, 504].includes(res.status)) return null;
  if (!(res.headers.get('content-type') ?? '').includes('application/json')) return null;
  const text = await res.text();
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : undefined, text };
  } catch {
    return { text };
  }
}

export function createPreviewApp() {
  const app = new Hono<PreviewEnv>();

  app.use('*', async (c, next) => {
    const target = previewTarget(c.req.raw, c.env);
    if (!target) return pages.notFound(wantsHtml(c.req.raw));
    c.set('target', target);
    await next();
  });

  // An API key (tools, scripts): checked as every API route checks it, for `port.preview`.
  app.use('*', async (c, next) => {
    if (!ourBearer(c.req.header('authorization'))) return next();
    await requestContext(c as never, async () => {
      await requireAuth(c as never, async () => {
        await loadWorkspace(c.var.db, c.var.principal, c.var.target.workspaceId, 'port.preview');
        await next();
      });
    });
  });

  app.get(PREVIEW_CALLBACK_PATH, async (c) => {
    const { port, workspaceId } = c.var.target;
    const code = c.req.query('code') ?? '';
    // Only the browser that started this sign-in holds its state: a code sent in a link is refused.
    const state = c.req.query('state') ?? '';
    const started = PREVIEW_STATE.test(state) && getCookie(c, PREVIEW_STATE_COOKIE) === state;
    const granted =
      started && code.length > 0 && code.length < 200
        ? await roomFor(c.env, workspaceId).redeemPreviewCode(code, port)
        : null;
    if (!granted) return pages.expiredCode();
    const secure = parseConfig(c.env).preview!.scheme === 'https' ? '; Secure' : '';
    const maxAge = Math.max(1, Math.floor((granted.expiresAt - Date.now()) / 1000));
    const headers = new Headers({
      location: safePreviewPath(c.req.query('next')),
      'cache-control': 'no-store',
    });
    headers.append(
      'set-cookie',
      `${PREVIEW_COOKIE}=${granted.token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure}`,
    );
    headers.append(
      'set-cookie',
      `${PREVIEW_STATE_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure}`,
    );
    return new Response(null, { status: 302, headers });
  });

  app.all('*', async (c) => {
    const config = parseConfig(c.env);
    const preview = config.preview!;
    const { port, workspaceId, host } = c.var.target;
    const req = c.req.raw;
    const url = new URL(req.url);
    const path = url.pathname + url.search;
    const html = wantsHtml(req);
    const principal: PreviewPrincipal | undefined = c.var.principal
      ? {
          userId: c.var.principal.userId,
          keyId: c.var.principal.key?.id,
          expiresAt: c.var.principal.key?.expiresAt,
        }
      : undefined;
    const gateReq: PreviewGateRequest = { port, token: getCookie(c, PREVIEW_COOKIE), principal, html };
    const room = roomFor(c.env, workspaceId);
    const appOrigin = new URL(config.auth.baseURL).origin;
    const ctx = (name: string): pages.PageContext => ({
      html,
      port,
      name,
      appUrl: `${appOrigin}/workspaces/${workspaceId}`,
    });
    const secure = preview.scheme === 'https' ? '; Secure' : '';

    /** To the app origin to sign in, with a fresh state this browser keeps (10 minutes). */
    const toLogin = () => {
      const state = randomState();
      const loginUrl = `${appOrigin}/api/preview/authorize?host=${encodeURIComponent(host)}&state=${state}&next=${encodeURIComponent(path)}`;
      const res = new Response(null, {
        status: 302,
        headers: { location: loginUrl, 'cache-control': 'no-store' },
      });
      res.headers.append(
        'set-cookie',
        `${PREVIEW_STATE_COOKIE}=${state}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600${secure}`,
      );
      return res;
    };

    const refuse = (g: Exclude<PreviewGate, { kind: 'forward' }>) => {
      switch (g.kind) {
        case 'login':
          // A browser signs in; a tool is told how (the page's URL in a browser, or an API key).
          return html && req.method === 'GET'
            ? toLogin()
            : pages.unauthorized(`${preview.scheme}://${host}${path}`);
        case 'resuming':
          return pages.resuming(ctx(g.name));
        case 'not_running':
          return pages.notRunning(ctx(g.name), g.status);
        case 'not_found':
          return pages.notFound(html);
        case 'unavailable':
          return pages.unavailable(ctx(g.name), g.message);
      }
    };

    if (req.headers.get('upgrade')?.toLowerCase() === 'websocket') {
      const socket: PreviewSocketRequest = {
        gate: gateReq,
        path,
        headers: headerList(forwardHeaders(req, host, preview.scheme)),
      };
      const res = await room.fetch('https://room/preview-socket', {
        headers: { upgrade: 'websocket', 'x-cw-preview': JSON.stringify(socket) },
      });
      if (res.status === 101 || !(res.headers.get('content-type') ?? '').includes('application/json'))
        return res;
      const body = (await res.json().catch(() => ({}))) as { gate?: PreviewGate };
      return body.gate && body.gate.kind !== 'forward' ? refuse(body.gate) : res;
    }

    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    // A body can be sent once: such a request always asks the room (see gate-cache.ts).
    const key = hasBody ? undefined : gateKey(workspaceId, gateReq);
    let useCached = true;
    for (let attempt = 0; ; attempt++) {
      const cached = useCached && key ? cachedGate(key) : undefined;
      useCached = false;
      const g = cached ?? (await room.previewGate(gateReq));
      if (key && !cached) rememberGate(key, g);
      if (g.kind !== 'forward') return refuse(g);
      const headers = forwardHeaders(req, host, preview.scheme);
      const target = await upstreamUrl(config, workspaceId, g.domain, port, path, headers);
      let res: Response;
      try {
        res = await fetch(target, {
          method: req.method,
          headers,
          body: hasBody ? req.body : undefined,
          redirect: 'manual',
        });
      } catch {
        if (key) forgetGate(key);
        return pages.unavailable(ctx(g.name), 'The VM platform could not be reached.');
      }
      const own = await forwarderCode(res);
      if (!own)
        return endsOnRevocation(res, async () => {
          const ok = await room.previewStillAllowed(gateReq);
          if (!ok && key) forgetGate(key);
          return ok;
        });
      if (key) forgetGate(key);
      // A decision kept from a moment ago met a VM that paused, stopped or lost its rule (a stopped
      // VM has nothing listening either): the room decides.
      if (cached) {
        attempt--;
        continue;
      }
      if (own.code === 'NOTHING_LISTENING') return pages.nothingListening(ctx(g.name));
      if (own.code === 'VM_PAUSED') return pages.resuming(ctx(g.name));
      // No rule serves the domain any more (deleted behind our back): made again once, if no body was sent.
      if (own.code === 'NOT_FOUND' && attempt === 0 && !hasBody) {
        await room.previewRuleMissing(port);
        continue;
      }
      return new Response(own.text, { status: res.status, headers: res.headers });
    }
  });

  app.onError((err) => {
    if (err instanceof HTTPException) return err.getResponse();
    console.error('preview failed:', err);
    return Response.json(
      { error: { code: 'internal_error', message: 'Something went wrong on our side.' } },
      { status: 500 },
    );
  });
  return app;
}

const previewApp = createPreviewApp();

export const handlePreview = (request: Request, env: Env, ctx: ExecutionContext) =>
  previewApp.fetch(request, env, ctx);
