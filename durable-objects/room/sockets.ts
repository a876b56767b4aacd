import type { TerminalServerMsg } from '../../core/protocol';
import { send } from '../relay/flow';
import type { RoomState } from './state';
import type { ViewerAttachment, ViewerSocket } from './viewer-socket';

export type { ViewerAttachment, ViewerSocket } from './viewer-socket';

// The room's terminal sockets. They are plain (accepted) WebSockets, not hibernatable ones: a room
// relaying a terminal holds its PTY socket open and cannot hibernate anyway, and a hibernatable
// socket's every message is a Durable Object event costing ~1-3 ms in workerd (about 800 a second
// per room here), so one viewer sending thousands of frames would queue everyone's keystrokes behind
// its own. A plain socket's message costs ~0.1 ms, and the room drops a flood at that price
// (room/input-limits.ts). A room that restarts closes its sockets; clients reconnect to the screen.

export function addViewerSocket(s: RoomState, v: ViewerSocket) {
  s.sockets.set(v.ws, v);
}

/** Forgets a socket; false when it was already gone. */
export function removeViewerSocket(s: RoomState, ws: WebSocket): ViewerSocket | undefined {
  const v = s.sockets.get(ws);
  s.sockets.delete(ws);
  return v;
}

/** The open viewers of a window. */
export function viewersOf(s: RoomState, windowId: string): WebSocket[] {
  const out: WebSocket[] = [];
  for (const v of s.sockets.values()) if (v.att.windowId === windowId) out.push(v.ws);
  return out;
}

/** The attachments of every open terminal viewer of the workspace. */
export function viewerAttachments(s: RoomState): ViewerAttachment[] {
  return [...s.sockets.values()].map((v) => v.att);
}

export function broadcast(s: RoomState, msg: TerminalServerMsg) {
  const text = JSON.stringify(msg);
  for (const ws of s.sockets.keys()) send(ws, text);
}

/** Whether a socket belongs to the principal a revocation names (every given field matches). */
export function matchesRevocation(
  att: { userId: string | null; authSessionId?: string; keyId?: string },
  m: { userId?: string; authSessionId?: string; keyId?: string },
): boolean {
  if (!m.userId && !m.authSessionId && !m.keyId) return false;
  return (
    (!m.userId || att.userId === m.userId) &&
    (!m.authSessionId || att.authSessionId === m.authSessionId) &&
    (!m.keyId || att.keyId === m.keyId)
  );
}

/** Closes sockets with `code`; they leave the room's list at once. */
export function closeSockets(s: RoomState, sockets: WebSocket[], code: number, reason: string) {
  for (const ws of sockets) {
    s.sockets.delete(ws);
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }
}
