import type { TerminalServerMsg } from '../../core/protocol';
import type { ClientType } from '../../core/schemas/sessions';
import { send } from '../relay/flow';
import type { RoomState } from './state';

// The room's hibernatable sockets. Each carries its ViewerAttachment; a window's viewers are tagged
// `win:<windowId>` so they can be listed without waking every attachment.

/** What each terminal socket carries through hibernation. */
export interface ViewerAttachment {
  kind: 'terminal';
  viewerId: string;
  windowId: string;
  workspaceId: string;
  userId: string;
  name: string;
  image: string | null;
  via: 'session' | 'api_key';
  clientType: ClientType;
  sessionId?: string;
  cols: number;
  rows: number;
}

export const windowTag = (windowId: string) => `win:${windowId}`;

const closing = (s: RoomState, a: ViewerAttachment | null) => !!a && s.closingViewers.has(a.viewerId);

/** The open viewers of a window (not the ones whose close is being handled). */
export function viewersOf(s: RoomState, windowId: string): WebSocket[] {
  return s.ctx
    .getWebSockets(windowTag(windowId))
    .filter((ws) => !closing(s, ws.deserializeAttachment() as ViewerAttachment | null));
}

/** The attachments of every open terminal viewer of the workspace. */
export function viewerAttachments(s: RoomState): ViewerAttachment[] {
  return s.ctx
    .getWebSockets()
    .map((ws) => ws.deserializeAttachment() as ViewerAttachment | null)
    .filter((a): a is ViewerAttachment => !!a && a.kind === 'terminal' && !closing(s, a));
}

export function broadcast(s: RoomState, msg: TerminalServerMsg) {
  const text = JSON.stringify(msg);
  for (const ws of s.ctx.getWebSockets()) send(ws, text);
}

export function closeSockets(sockets: WebSocket[], code: number, reason: string) {
  for (const ws of sockets) {
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }
}
