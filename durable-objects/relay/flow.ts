import { FLOW_RESUME_BYTES, type TerminalServerMsg } from '../../core/protocol';
import { hold, releaseAll } from './chunks';

// Per-viewer flow control (docs/terminal-protocol.md): each viewer may have a window of output sent
// and not acknowledged. A viewer past it is stalled: nothing is queued for it, and once it reads again
// the relay resynchronises it with a fresh screen (terminal.ts `sync`), or, while the output is still a
// flood, shows it the visible screen a few times a second ('frames') until the flood is over.

export type FlowState = 'syncing' | 'live' | 'stalled' | 'frames';

/** One viewer of a window, as the relay sees it (the socket's own attachment holds the rest). */
export interface Viewer {
  id: string;
  ws: WebSocket;
  cols: number;
  rows: number;
  state: FlowState;
  /** Output bytes sent and not yet acknowledged. */
  unacked: number;
  /** Live output that arrived while this viewer's screen was being prepared. */
  pending: Uint8Array[];
  pendingBytes: number;
  /** Output was dropped while syncing: prepare a newer screen instead of sending this one. */
  overflowed: boolean;
  syncReason: 'attach' | 'resync';
  /** When it went to frames (ms). */
  framesSince: number;
}

export function newViewer(id: string, ws: WebSocket, cols: number, rows: number): Viewer {
  return {
    id,
    ws,
    cols,
    rows,
    state: 'syncing',
    unacked: 0,
    pending: [],
    pendingBytes: 0,
    overflowed: false,
    syncReason: 'attach',
    framesSince: 0,
  };
}

export function send(ws: WebSocket, msg: TerminalServerMsg | string) {
  try {
    ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  } catch {
    // Closing or closed: its close handler cleans up.
  }
}

export function sendBytes(ws: WebSocket, bytes: Uint8Array) {
  try {
    ws.send(bytes);
  } catch {
    // As above.
  }
}

/** One output chunk for one viewer with a credit window of `window` bytes. */
export function deliver(v: Viewer, chunk: Uint8Array, window: number) {
  if (v.state === 'live') {
    // Only with more than FLOW_RESUME_BYTES unacknowledged: then at least one ack is still to come
    // and resumes it. Stalling with less (a chunk bigger than what is left of the window) would wait
    // for an ack the client never sends; one chunk over the window is the bound instead.
    if (v.unacked > FLOW_RESUME_BYTES && v.unacked + chunk.length > window) {
      // It is not keeping up: stop sending (no queue); it gets a fresh screen when it reads again.
      v.state = 'stalled';
      return;
    }
    v.unacked += chunk.length;
    sendBytes(v.ws, chunk);
  } else if (v.state === 'syncing') {
    if (v.overflowed) return; // a newer screen is coming: queue nothing
    if (v.pendingBytes > 0 && v.pendingBytes + chunk.length > window) {
      dropPending(v);
      v.overflowed = true;
      return;
    }
    hold(chunk);
    v.pending.push(chunk);
    v.pendingBytes += chunk.length;
  }
  // stalled or frames: dropped; the next frame or the resync covers it.
}

/** Forgets the output queued while its screen was being prepared. */
export function dropPending(v: Viewer) {
  releaseAll(v.pending);
  v.pending = [];
  v.pendingBytes = 0;
}
