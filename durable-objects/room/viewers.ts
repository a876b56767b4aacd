import { CloseCode, TerminalClientMsgSchema, parseFrame } from '../../core/protocol';
import { resume } from './actions';
import { recordActivity } from './activity';
import { attachViewer } from './attach';
import type { ViewerAttachment } from './presence';
import { envVar, relayFor, releaseViewer } from './relays';
import { heartbeat, schedulePresence } from './sessions';
import { loadMeta, type RoomState } from './state';
import { send } from './flow';
import type { WindowRelay } from './terminal';
import { getWindow } from './windows';

// What a terminal socket says once attached (docs/terminal-protocol.md), and its leaving.

const terminalAttachment = (ws: WebSocket) => {
  const att = ws.deserializeAttachment() as ViewerAttachment | null;
  return att && att.kind === 'terminal' ? att : null;
};

/** The viewer's relay; after a restart under a live socket it is attached again (fresh screen). */
async function relayOf(s: RoomState, ws: WebSocket, att: ViewerAttachment): Promise<WindowRelay | null> {
  const relay = s.relays.get(att.windowId);
  if (relay && relay.has(att.viewerId)) return relay;
  const win = await getWindow(s, att.windowId);
  if (!win) {
    ws.close(CloseCode.windowClosed, 'window closed');
    return null;
  }
  await loadMeta(s, att.workspaceId);
  const fresh = relayFor(s, att.windowId, att.cols, att.rows);
  if (!fresh.has(att.viewerId)) s.ctx.waitUntil(attachViewer(s, ws, att, win));
  return fresh;
}

export async function onViewerMessage(s: RoomState, ws: WebSocket, message: string | ArrayBuffer) {
  const att = terminalAttachment(ws);
  if (!att) return;
  const relay = await relayOf(s, ws, att);
  if (!relay) return;
  if (typeof message !== 'string') {
    if (s.meta?.status === 'paused') void resume(s, { type: 'user', userId: att.userId });
    if (!relay.input(new Uint8Array(message))) {
      send(ws, { type: 'error', code: 'input_overflow', message: 'Too much input while connecting.' });
    }
    return;
  }
  const parsed = parseFrame(TerminalClientMsgSchema, message);
  if (!parsed.ok) {
    send(ws, { type: 'error', code: 'bad_message', message: parsed.message });
    return;
  }
  const msg = parsed.msg;
  switch (msg.type) {
    case 'resize':
      ws.serializeAttachment({ ...att, cols: msg.cols, rows: msg.rows });
      relay.resize(att.viewerId, msg.cols, msg.rows);
      return;
    case 'ack':
      relay.ack(att.viewerId, msg.bytes);
      return;
    case 'signal':
      relay.signal(msg.signal);
      return;
    case 'heartbeat':
      if (msg.active) recordActivity(s);
      if (att.sessionId) await heartbeat(s, att.sessionId, !!msg.active);
      return;
    case 'ping':
      // With the RELAY_STATS var (bench, tests) the answer carries this window's relay numbers.
      send(
        ws,
        envVar(s, 'RELAY_STATS') === '1'
          ? JSON.stringify({ type: 'pong', relay: relay.stats() })
          : { type: 'pong' },
      );
      return;
  }
}

/** A viewer's socket closed or failed: its relay lets it go and presence is republished. */
export function viewerGone(s: RoomState, ws: WebSocket) {
  const att = terminalAttachment(ws);
  if (!att) return;
  s.closingViewers.add(att.viewerId);
  // getWebSockets() lists a closing socket until this handler returns.
  setTimeout(() => s.closingViewers.delete(att.viewerId), 5_000);
  releaseViewer(s, att.windowId, att.viewerId);
  schedulePresence(s);
}
