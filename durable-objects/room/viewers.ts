import {
  clampTerminalSize,
  CloseCode,
  FLOW_ACK_EVERY_BYTES,
  FLOW_WINDOW_MAX_BYTES,
  TerminalClientMsgSchema,
  parseFrame,
} from '../../core/protocol';
import { send } from '../relay/flow';
import type { WindowRelay } from '../relay/window-relay';
import type { Actor, AttachRequest, RevokeMatch, TerminalWindow } from './contract';
import { recordActivity } from './idle';
import { InputMeter } from './input-limits';
import { roomLimits } from './limits';
import { quotaExceeded } from './results';
import { ensureRunning, watchWithin } from './lifecycle';
import { heartbeat, schedulePresence } from './presence';
import { openPty, relayFor, releaseViewer } from './relays';
import {
  addViewerSocket,
  matchesRevocation,
  removeViewerSocket,
  type ViewerAttachment,
  type ViewerSocket,
} from './sockets';
import { loadMeta, observe, type RoomState } from './state';
import { getWindow } from './windows';
import { watchPorts } from './ports';

// Terminal viewers: the upgrade, joining a window's relay, what a socket says once attached
// (docs/terminal-protocol.md), and its leaving.

const jsonError = (status: number, code: string, message: string) =>
  Response.json({ error: { code, message } }, { status });

const actorOf = (att: ViewerAttachment): Actor => ({
  type: att.via === 'api_key' ? 'api_key' : 'user',
  userId: att.userId,
});

/** The terminal WebSocket upgrade (request header `x-cw-attach`: an AttachRequest). */
export async function acceptTerminal(s: RoomState, request: Request): Promise<Response> {
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
    return jsonError(426, 'upgrade_required', 'Expected a WebSocket upgrade.');
  }
  let req: AttachRequest;
  try {
    req = JSON.parse(request.headers.get('x-cw-attach') ?? '') as AttachRequest;
  } catch {
    return jsonError(400, 'validation_error', 'Missing attach request.');
  }
  const win = await getWindow(s, req.windowId);
  if (!win) return jsonError(404, 'not_found', 'Terminal window not found.');
  const maxSockets = (await roomLimits(s)).terminalSockets;
  if (s.sockets.size >= maxSockets) {
    const refused = quotaExceeded('terminalSockets', maxSockets, s.sockets.size);
    return Response.json(
      { error: { code: refused.code, message: refused.message, limit: refused.limit } },
      { status: 409 },
    );
  }
  // The Worker has just read the row: it is at least as fresh as the room's memory.
  if (!s.meta || s.meta.status !== req.workspace.status) observe(s, req.workspace);

  const size = clampTerminalSize(req.cols, req.rows);
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  // Per-socket state lives in the attachment, so it survives hibernation.
  const att: ViewerAttachment = {
    kind: 'terminal',
    viewerId: crypto.randomUUID(),
    windowId: req.windowId,
    workspaceId: req.workspace.id,
    userId: req.principal.userId,
    name: req.principal.name,
    image: req.principal.image,
    via: req.principal.via,
    clientType: req.clientType,
    sessionId: req.sessionId,
    authSessionId: req.principal.authSessionId,
    keyId: req.principal.key?.id,
    cols: size.cols,
    rows: size.rows,
  };
  // With recent compatibility dates binary frames arrive as Blobs unless asked otherwise.
  (server as unknown as { binaryType: string }).binaryType = 'arraybuffer';
  server.accept();
  const v: ViewerSocket = { ws: server, att, meter: new InputMeter(Date.now()) };
  addViewerSocket(s, v);
  watchPorts(s, server);
  server.addEventListener('message', (e) => {
    onViewerMessage(s, v, e.data as string | ArrayBuffer).catch((err) =>
      console.error('a terminal message failed:', err),
    );
  });
  server.addEventListener('close', (e) => {
    viewerGone(s, v);
    try {
      // A client that closes without a code arrives as 1005, which cannot be sent back.
      server.close(e.code === 1005 || e.code === 1006 || e.code < 1000 ? 1000 : e.code);
    } catch {
      // already closed
    }
  });
  server.addEventListener('error', () => viewerGone(s, v));
  // A key that expires while its socket is open ends the socket then, as a revocation would.
  const expiresAt = req.principal.key?.expiresAt;
  if (expiresAt) {
    const t = setTimeout(() => revokeViewer(s, v), Math.max(0, expiresAt - Date.now()));
    server.addEventListener('close', () => clearTimeout(t));
  }
  send(server, {
    type: 'hello',
    windowId: req.windowId,
    viewerId: att.viewerId,
    flow: { window: FLOW_WINDOW_MAX_BYTES, ackEvery: FLOW_ACK_EVERY_BYTES },
  });
  if (s.health) send(server, { type: 'health', health: s.health });
  // Someone is connected now: the VM is checked within 10 s, not at the next minute.
  s.ctx.waitUntil(watchWithin(s, 10_000));
  s.ctx.waitUntil(attachViewer(s, server, att, win));
  schedulePresence(s);
  return new Response(null, { status: 101, webSocket: client });
}

/** Joins a viewer to its window's relay, resuming a paused workspace and reaching the PTY as needed. */
async function attachViewer(s: RoomState, ws: WebSocket, att: ViewerAttachment, win: TerminalWindow) {
  // The viewer joins the relay at once, so what it types while we resume or connect is kept.
  const relay = relayFor(s, att.windowId, att.cols, att.rows);
  relay.attach(att.viewerId, ws, att.cols, att.rows);
  try {
    if (s.meta?.status === 'paused') {
      send(ws, { type: 'status', status: 'resuming' });
      if (!(await ensureRunning(s, actorOf(att))).ok) {
        send(ws, {
          type: 'error',
          code: 'workspace_not_running',
          message: `The workspace is ${s.meta?.status ?? 'gone'}; it could not be resumed.`,
        });
        ws.close(CloseCode.workspaceGone, 'workspace not running');
        return;
      }
    }
    if (!relay.isOpen) send(ws, { type: 'status', status: 'connecting' });
    await relay.start((cols, rows) => openPty(s, win.slug, cols, rows, win.createdBy, win.sessionId));
  } catch {
    // relay.start reported the failure to every viewer of the window.
  }
}

/** The viewer's relay; one that lost it (the relay was replaced) is attached again (fresh screen). */
async function relayOf(s: RoomState, ws: WebSocket, att: ViewerAttachment): Promise<WindowRelay | null> {
  const relay = s.relays.get(att.windowId);
  if (relay && relay.has(att.viewerId)) return relay;
  const win = await getWindow(s, att.windowId);
  if (!win) {
    ws.close(CloseCode.windowClosed, 'window closed');
    return null;
  }
  await loadMeta(s);
  const fresh = relayFor(s, att.windowId, att.cols, att.rows);
  if (!fresh.has(att.viewerId)) s.ctx.waitUntil(attachViewer(s, ws, att, win));
  return fresh;
}

/** The socket's input budget (room/input-limits.ts); false when this frame is not to be handled. */
function admit(v: ViewerSocket, size: number): boolean {
  const { ws } = v;
  const verdict = v.meter.take(size, Date.now());
  if (verdict === 'ok') return true;
  if (verdict === 'warn') {
    send(ws, {
      type: 'error',
      code: 'rate_limited',
      message: 'Too many terminal messages: input is being dropped. Slow down or the connection closes.',
    });
  } else if (verdict === 'close') {
    try {
      ws.close(1008, 'rate limited');
    } catch {
      // already closed
    }
  }
  return false;
}

async function onViewerMessage(s: RoomState, v: ViewerSocket, message: string | ArrayBuffer) {
  const { ws, att } = v;
  const size = typeof message === 'string' ? message.length : message.byteLength;
  if (!admit(v, size)) return;
  const relay = await relayOf(s, ws, att);
  if (!relay) return;
  if (typeof message !== 'string') {
    if (s.meta?.status === 'paused') void ensureRunning(s, actorOf(att));
    if (!relay.input(new Uint8Array(message))) {
      send(ws, { type: 'error', code: 'input_overflow', message: 'Too much input while connecting.' });
    }
    return;
  }
  const parsed = parseFrame(TerminalClientMsgSchema, message);
  if (!parsed.ok) {
    if (v.meter.answerBadFrame()) {
      send(ws, { type: 'error', code: 'bad_message', message: parsed.message });
    }
    return;
  }
  const msg = parsed.msg;
  switch (msg.type) {
    case 'resize': {
      const { cols, rows } = clampTerminalSize(msg.cols, msg.rows);
      att.cols = cols;
      att.rows = rows;
      relay.resize(att.viewerId, cols, rows);
      return;
    }
    case 'ack':
      relay.ack(att.viewerId, msg.bytes);
      return;
    case 'signal':
      relay.signal(msg.signal);
      return;
    case 'heartbeat':
      if (msg.active) recordActivity(s);
      if (att.sessionId && v.meter.heartbeatDue(Date.now())) {
        await heartbeat(s, att.sessionId, !!msg.active);
      }
      return;
    case 'ping':
      // With RELAY_STATS (bench, tests) the answer carries this window's relay numbers.
      send(
        ws,
        s.deps.config.relay.stats ? JSON.stringify({ type: 'pong', relay: relay.stats() }) : { type: 'pong' },
      );
      return;
  }
}

/** A viewer's socket closed or failed: its relay lets it go and presence is republished. */
/** Closes every terminal socket of a principal whose access ended; answers how many. */
export function revokeViewers(s: RoomState, match: RevokeMatch): number {
  const gone = [...s.sockets.values()].filter((v) => matchesRevocation(v.att, match));
  for (const v of gone) revokeViewer(s, v);
  return gone.length;
}

function revokeViewer(s: RoomState, v: ViewerSocket) {
  try {
    v.ws.close(CloseCode.revoked, 'access revoked');
  } catch {
    // already closed
  }
  viewerGone(s, v);
}

function viewerGone(s: RoomState, v: ViewerSocket) {
  removeViewerSocket(s, v.ws);
  releaseViewer(s, v.att.windowId, v.att.viewerId);
  schedulePresence(s);
}
