import { FORWARD_COOKIE, PREVIEW_COOKIE } from '../../core/ports';
import { isVmApiError } from '../../core/vm';
import { upstreamUrl } from './preview-upstream';
import type { Actor, RevokeMatch } from './contract';
import { recordActivity } from './idle';
import { ensureRunning, SYSTEM } from './lifecycle';
import { portsMemory, visibilityOf } from './ports';
import type {
  PreviewGate,
  PreviewGateRequest,
  PreviewPrincipal,
  PreviewSocketRequest,
} from './preview-contract';
import { loadMeta, readWorkspace, type RoomState } from './state';
import { PREVIEW_CODE_PREFIX, PREVIEW_GRANT_PREFIX, PREVIEW_RULE_PREFIX } from './storage-keys';

// Preview URLs of the workspace's ports (docs/previews.md):
// - a private port needs a grant: the app origin checks the session and membership, the room hands
//   it a one-time code, the preview host exchanges it for a grant token set as its own cookie;
// - a paused workspace resumes, preview traffic counts as activity;
// - each port is a TLS rule on the VM platform (`/v5/tls`), with our forward auth in front;
// - preview WebSockets are relayed here, so a revocation closes them; a streamed HTTP answer asks
//   `stillAllowed` while it flows (worker/preview), so it ends too.

const CODE_TTL_MS = 60_000;
const GRANT_TTL_MS = 24 * 60 * 60_000;

interface Grant extends PreviewPrincipal {
  port: number;
  expiresAt: number;
}

interface PreviewSocket {
  client: WebSocket;
  upstream: WebSocket;
  port: number;
  principal?: PreviewPrincipal;
}

interface PreviewMemory {
  grants: Map<string, Grant | null>;
  rules: Set<string>;
  sockets: Set<PreviewSocket>;
  /** Revocations of principals that came with a key or user (no grant to delete), newest last. */
  revoked: { match: RevokeMatch; at: number }[];
  name?: string;
}
const memories = new WeakMap<RoomState, PreviewMemory>();
function mem(s: RoomState): PreviewMemory {
  let m = memories.get(s);
  if (!m) memories.set(s, (m = { grants: new Map(), rules: new Set(), sockets: new Set(), revoked: [] }));
  return m;
}

const randomToken = () => {
  const b = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...b))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
};
async function digest(token: string) {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(d)].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** The app origin checked the caller: a code the preview host exchanges once, within a minute. */
export async function issueCode(s: RoomState, port: number, principal: PreviewPrincipal): Promise<string> {
  const code = randomToken();
  await s.ctx.storage.put(PREVIEW_CODE_PREFIX + (await digest(code)), {
    port,
    principal,
    expiresAt: Date.now() + CODE_TTL_MS,
  });
  return code;
}

/** The code (once) -> a grant token for that port's host, or null. */
export async function redeemCode(
  s: RoomState,
  code: string,
  port: number,
): Promise<{ token: string; expiresAt: number } | null> {
  const key = PREVIEW_CODE_PREFIX + (await digest(code));
  const stored = await s.ctx.storage.get<{ port: number; principal: PreviewPrincipal; expiresAt: number }>(
    key,
  );
  if (!stored) return null;
  await s.ctx.storage.delete(key);
  if (stored.expiresAt < Date.now() || stored.port !== port) return null;
  const token = randomToken();
  const expiresAt = Math.min(Date.now() + GRANT_TTL_MS, stored.principal.expiresAt ?? Infinity);
  const grant: Grant = { ...stored.principal, port, expiresAt };
  const h = await digest(token);
  await s.ctx.storage.put(PREVIEW_GRANT_PREFIX + h, grant);
  mem(s).grants.set(h, grant);
  return { token, expiresAt };
}

async function grantFor(s: RoomState, token: string, port: number): Promise<Grant | null> {
  const m = mem(s);
  const h = await digest(token);
  let g = m.grants.get(h);
  if (g === undefined) {
    g = (await s.ctx.storage.get<Grant>(PREVIEW_GRANT_PREFIX + h)) ?? null;
    if (m.grants.size > 10_000) m.grants.clear();
    m.grants.set(h, g);
  }
  if (!g) return null;
  if (g.expiresAt < Date.now()) {
    m.grants.set(h, null);
    await s.ctx.storage.delete(PREVIEW_GRANT_PREFIX + h);
    return null;
  }
  return g.port === port ? g : null;
}

async function workspaceName(s: RoomState): Promise<string> {
  const m = mem(s);
  m.name ??= (await readWorkspace(s))?.name;
  return m.name ?? 'this workspace';
}

const actorFor = (p?: PreviewPrincipal): Actor =>
  p ? { type: p.keyId ? 'api_key' : 'user', userId: p.userId } : SYSTEM;

/** Who may pass, and whether the workspace can answer now. */
export async function gate(
  s: RoomState,
  req: PreviewGateRequest,
): Promise<{ gate: PreviewGate; principal?: PreviewPrincipal }> {
  const meta = await loadMeta(s);
  if (!meta) return { gate: { kind: 'not_found' } };
  const name = await workspaceName(s);
  let principal = req.principal;
  if (!principal && req.token) principal = (await grantFor(s, req.token, req.port)) ?? undefined;
  if (!principal && (await visibilityOf(s, req.port)) !== 'public') return { gate: { kind: 'login', name } };
  if (meta.status === 'paused') {
    const resume = ensureRunning(s, actorFor(principal));
    if (req.html) {
      s.ctx.waitUntil(resume);
      return { gate: { kind: 'resuming', name }, principal };
    }
    if (!(await resume).ok)
      return { gate: { kind: 'not_running', name, status: s.meta?.status ?? 'paused' } };
  } else if (meta.status !== 'running') {
    return { gate: { kind: 'not_running', name, status: meta.status } };
  }
  recordActivity(s);
  try {
    return {
      gate: { kind: 'forward', domain: await ensureRule(s, s.meta!.vmId!, req.port), name },
      principal,
    };
  } catch (e) {
    console.error('preview: could not expose the port', e);
    return { gate: { kind: 'unavailable', name, message: 'The VM platform did not expose the port.' } };
  }
}

/** The forwarder said no rule serves the domain (deleted behind our back): make it again next time. */
export async function forgetRule(s: RoomState, port: number) {
  const vmId = s.meta?.vmId;
  if (!vmId) return;
  mem(s).rules.delete(`${vmId}:${port}`);
  await s.ctx.storage.delete(`${PREVIEW_RULE_PREFIX}${vmId}:${port}`);
}

let forwardAuthId: { url: string; id: Promise<string> } | undefined;

/** Our forward auth, one configuration per deployment: found by its URL, else made. */
function ensureForwardAuth(s: RoomState): Promise<string> {
  const url = s.deps.config.preview!.forwardAuthUrl;
  if (forwardAuthId?.url === url) return forwardAuthId.id;
  const id = (async () => {
    const { configs } = await s.deps.vm.listForwardAuth();
    const found = configs.find((c) => c.url === url);
    if (found) return found.id;
    const made = await s.deps.vm.createForwardAuth({
      url,
      timeoutMs: 2000,
      protectedCookies: [FORWARD_COOKIE, PREVIEW_COOKIE],
    });
    return made.id;
  })();
  forwardAuthId = { url, id };
  id.catch(() => (forwardAuthId = undefined));
  return id;
}

/** The TLS rule mapping `<port>-<workspaceId>.<vmDomain>` to the VM's port; its domain. */
async function ensureRule(s: RoomState, vmId: string, port: number): Promise<string> {
  const domain = `${port}-${s.workspaceId}.${s.deps.config.preview!.vmDomain}`;
  const m = mem(s);
  const key = `${vmId}:${port}`;
  if (m.rules.has(key)) return domain;
  if (await s.ctx.storage.get(PREVIEW_RULE_PREFIX + key)) {
    m.rules.add(key);
    return domain;
  }
  const auth = await ensureForwardAuth(s);
  try {
    await s.deps.vm.exposePort(vmId, port, domain, auth);
  } catch (e) {
    if (!isVmApiError(e) || e.status !== 409) throw e;
    // The domain is served already: by this VM (a lost write) or a former one (retry made a new VM).
    const { rules } = await s.deps.vm.listTlsRules();
    const old = rules.find((r) => r.domain === domain);
    if (
      !old ||
      old.destination.vmId !== vmId ||
      old.destination.port !== port ||
      old.forwardAuth?.id !== auth
    ) {
      if (old) await s.deps.vm.deleteTlsRule(old.id);
      await s.deps.vm.exposePort(vmId, port, domain, auth);
    }
  }
  await s.ctx.storage.put(PREVIEW_RULE_PREFIX + key, domain);
  m.rules.add(key);
  return domain;
}

const gateStatus: Record<Exclude<PreviewGate['kind'], 'forward'>, number> = {
  login: 401,
  resuming: 503,
  not_running: 409,
  not_found: 404,
  unavailable: 502,
};

/** A preview WebSocket: through the gate, then relayed frame by frame to the VM's port. */
export async function acceptPreviewSocket(s: RoomState, request: Request): Promise<Response> {
  let req: PreviewSocketRequest;
  try {
    req = JSON.parse(request.headers.get('x-cw-preview') ?? '') as PreviewSocketRequest;
  } catch {
    return Response.json({ gate: { kind: 'not_found' } }, { status: 400 });
  }
  const { gate: g, principal } = await gate(s, { ...req.gate, html: false });
  if (g.kind !== 'forward') return Response.json({ gate: g }, { status: gateStatus[g.kind] });
  const headers = new Headers(req.headers);
  headers.set('upgrade', 'websocket');
  const url = await upstreamUrl(s.deps.config, s.workspaceId, g.domain, req.gate.port, req.path, headers);
  let res: Response;
  try {
    res = await fetch(url, { headers });
  } catch {
    return Response.json(
      { gate: { kind: 'unavailable', name: g.name, message: 'VM host unreachable.' } },
      { status: 502 },
    );
  }
  const upstream = res.webSocket;
  if (!upstream) {
    if (res.status === 404) await forgetRule(s, req.gate.port);
    return new Response(res.body, { status: res.status, headers: res.headers });
  }
  upstream.accept();
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  const entry: PreviewSocket = { client: server, upstream, port: req.gate.port, principal };
  relay(s, entry);
  const protocol = res.headers.get('sec-websocket-protocol');
  return new Response(null, {
    status: 101,
    webSocket: client,
    headers: protocol ? { 'sec-websocket-protocol': protocol } : {},
  });
}

function relay(s: RoomState, e: PreviewSocket) {
  const m = mem(s);
  m.sockets.add(e);
  const closeBoth = (code: number, reason: string) => {
    m.sockets.delete(e);
    const c = code === 1005 || code === 1006 || code < 1000 ? 1000 : code;
    for (const ws of [e.client, e.upstream]) {
      try {
        ws.close(c, reason);
      } catch {
        // already closed
      }
    }
  };
  e.client.addEventListener('message', (ev) => {
    recordActivity(s);
    try {
      e.upstream.send(ev.data as string | ArrayBuffer);
    } catch {
      closeBoth(1011, 'upstream gone');
    }
  });
  e.upstream.addEventListener('message', (ev) => {
    try {
      e.client.send(ev.data as string | ArrayBuffer);
    } catch {
      closeBoth(1000, 'client gone');
    }
  });
  e.client.addEventListener('close', (ev) => closeBoth(ev.code, ev.reason));
  e.upstream.addEventListener('close', (ev) => closeBoth(ev.code, ev.reason));
  e.client.addEventListener('error', () => closeBoth(1011, 'error'));
  e.upstream.addEventListener('error', () => closeBoth(1011, 'error'));
  const until = e.principal?.expiresAt;
  if (until) {
    const t = setTimeout(() => closeBoth(1008, 'access expired'), Math.max(0, until - Date.now()));
    e.client.addEventListener('close', () => clearTimeout(t));
  }
}

function closeSocket(s: RoomState, e: PreviewSocket, reason: string) {
  mem(s).sockets.delete(e);
  for (const ws of [e.client, e.upstream]) {
    try {
      ws.close(1008, reason);
    } catch {
      // already closed
    }
  }
}

const matcher = (match: RevokeMatch) => (p?: PreviewPrincipal) =>
  !!p &&
  (!!match.userId || !!match.authSessionId || !!match.keyId) &&
  (!match.userId || p.userId === match.userId) &&
  (!match.authSessionId || p.authSessionId === match.authSessionId) &&
  (!match.keyId || p.keyId === match.keyId);

/** Kept as long as a streamed answer could still be flowing under a principal the Worker checked. */
const REVOKED_KEPT_MS = 24 * 60 * 60_000;

/**
 * Whether a streamed preview answer may go on: its grant still holds (a cookie), its key or user was
 * not revoked since (a key), its key has not expired, or its port is still public (anonymous).
 * Nothing else: no resume, no activity (the request counted once).
 */
export async function stillAllowed(s: RoomState, req: PreviewGateRequest): Promise<boolean> {
  if (req.principal) {
    const p = req.principal;
    if (p.expiresAt && p.expiresAt <= Date.now()) return false;
    return !mem(s).revoked.some((r) => matcher(r.match)(p));
  }
  if (req.token) return (await grantFor(s, req.token, req.port)) !== null;
  return (await visibilityOf(s, req.port)) === 'public';
}

/** A principal's access ended: its grants go, its preview sockets close now. Answers the sockets closed. */
export async function revokePreview(s: RoomState, match: RevokeMatch): Promise<number> {
  const m = mem(s);
  const matches = matcher(match);
  const now = Date.now();
  m.revoked = m.revoked.filter((r) => now - r.at < REVOKED_KEPT_MS).slice(-999);
  m.revoked.push({ match, at: now });
  let closed = 0;
  for (const e of [...m.sockets]) {
    if (matches(e.principal)) {
      closeSocket(s, e, 'access revoked');
      closed++;
    }
  }
  const stored = await s.ctx.storage.list<Grant>({ prefix: PREVIEW_GRANT_PREFIX });
  const gone = [...stored].filter(([, g]) => matches(g)).map(([k]) => k);
  if (gone.length) await s.ctx.storage.delete(gone);
  for (const k of gone) m.grants.set(k.slice(PREVIEW_GRANT_PREFIX.length), null);
  for (const [h, g] of m.grants) if (g && matches(g)) m.grants.set(h, null);
  return closed;
}

/** A port made private: sockets that came in without a grant close. */
export function closeAnonymous(s: RoomState, port: number) {
  for (const e of [...mem(s).sockets])
    if (e.port === port && !e.principal) closeSocket(s, e, 'port made private');
}
