// The terminal WebSocket as the browser uses it. Binary frames are raw terminal bytes both ways; text
// frames are the JSON messages defined once in core/protocol (docs/terminal-protocol.md).
import {
  CloseCode,
  FLOW_ACK_EVERY_BYTES,
  MAX_INPUT_FRAME_BYTES,
  type TerminalClientMsg,
  type TerminalServerMsg,
} from '../../../core/protocol';

export type ServerMessage = TerminalServerMsg | { type: 'unknown' };
export type { Presence, PresenceUser, WorkspaceState } from '../../../core/protocol';

export function parseServerMessage(text: string): ServerMessage {
  try {
    const msg = JSON.parse(text) as { type?: unknown };
    return typeof msg?.type === 'string' ? (msg as TerminalServerMsg) : { type: 'unknown' };
  } catch {
    return { type: 'unknown' };
  }
}

const encode = (msg: TerminalClientMsg) => JSON.stringify(msg);
export const resizeMessage = (cols: number, rows: number) => encode({ type: 'resize', cols, rows });
/** Flow control: output bytes this viewer has finished rendering since its last ack. */
export const ackMessage = (bytes: number) => encode({ type: 'ack', bytes });
export const heartbeatMessage = (active: boolean) => encode({ type: 'heartbeat', active });

/**
 * Close codes after which reconnecting cannot help: the window was closed, the workspace is gone, or
 * the caller's access was revoked.
 * (`shellExited` is handled by the view: attaching again starts a new shell, so it asks first.)
 */
export function isFinalClose(code: number): boolean {
  return (
    code === CloseCode.windowClosed ||
    code === CloseCode.workspaceGone ||
    code === CloseCode.shellExited ||
    code === CloseCode.revoked
  );
}

export { CloseCode };

/** Input is sent in bounded chunks so a large paste arrives intact and in order. */
export const INPUT_CHUNK_BYTES = Math.min(16 * 1024, MAX_INPUT_FRAME_BYTES);
export const ACK_EVERY_BYTES = FLOW_ACK_EVERY_BYTES;
