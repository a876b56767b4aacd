import { CloseCode, FLOW_ACK_EVERY_BYTES, FLOW_WINDOW_MAX_BYTES } from '../../core/protocol';
import type { WorkspaceRow } from '../../db/queries/workspaces';
import { resume } from './actions';
import type { Actor } from './lifecycle';
import type { ViewerAttachment } from './presence';
import { openPty, relayFor } from './relays';
import { schedulePresence } from './sessions';
import { windowTag } from './sockets';
import { remember, setMeta, type RoomState } from './state';
import { send } from './flow';
import { getWindow, type TerminalWindow, type TicketPrincipal } from './windows';

/** What the Worker passes with a terminal upgrade, after checking who the caller is. */
export interface AttachRequest {
  workspace: Pick<
    WorkspaceRow,
    'id' | 'organizationId' | 'status' | 'freestyleVmId' | 'autoStopMinutes' | 'name'
  >;
  principal: TicketPrincipal;
  windowId: string;
  cols: number;
  rows: number;
  clientType: 'web' | 'desktop';
  sessionId?: string;
}

const jsonError = (status: number, code: string, message: string) =>
  Response.json({ error: { code, message } }, { status });

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
  await remember(s, req.workspace.id);
  const win = await getWindow(s, req.windowId);
  if (!win) return jsonError(404, 'not_found', 'Terminal window not found.');
  if (!s.meta || s.meta.status !== req.workspace.status) setMeta(s, req.workspace);

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
    cols: req.cols,
    rows: req.rows,
  };
  s.ctx.acceptWebSocket(server, [windowTag(req.windowId)]);
  server.serializeAttachment(att);
  send(server, {
    type: 'hello',
    windowId: req.windowId,
    viewerId: att.viewerId,
    flow: { window: FLOW_WINDOW_MAX_BYTES, ackEvery: FLOW_ACK_EVERY_BYTES },
  });
  s.ctx.waitUntil(attachViewer(s, server, att, win));
  schedulePresence(s);
  return new Response(null, { status: 101, webSocket: client });
}

/** Joins a viewer to its window's relay, resuming a paused workspace and reaching the PTY as needed. */
export async function attachViewer(s: RoomState, ws: WebSocket, att: ViewerAttachment, win: TerminalWindow) {
  // The viewer joins the relay at once, so what it types while we resume or connect is kept.
  const relay = relayFor(s, att.windowId, att.cols, att.rows);
  relay.attach(att.viewerId, ws, att.cols, att.rows);
  try {
    if (s.meta?.status === 'paused') {
      send(ws, { type: 'status', status: 'resuming' });
      const actor: Actor = { type: att.via === 'api_key' ? 'api_key' : 'user', userId: att.userId };
      if (!(await resume(s, actor))) {
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
    await relay.start((cols, rows) => openPty(s, win.slug, cols, rows));
  } catch {
    // relay.start reported the failure to every viewer of the window.
  }
}
