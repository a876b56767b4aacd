// One viewer's connection to one terminal window: a partysocket WebSocket with the plan's reconnect
// schedule (0 s, 1 s, 3 s, 10 s, then "lost" until the user asks again), bounded input chunks and
// flow-control credits. Knows nothing about xterm.js or Solid.
import ReconnectingWebSocket from 'partysocket/ws';
import { wsUrl } from '../lib/ws-url';
import {
  ackMessage,
  heartbeatMessage,
  INPUT_CHUNK_BYTES,
  isFinalClose,
  parseServerMessage,
  resizeMessage,
  type ServerMessage,
} from './protocol';
import { reconnectDelay, sleep } from './reconnect';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'lost' | 'ended';

export interface ConnectionInfo {
  state: ConnectionState;
  /** 1-based retry number while reconnecting. */
  attempt: number;
  closeCode?: number;
  reason?: string;
}

export interface TerminalConnectionOptions {
  workspaceId: string;
  windowId: string;
  /** This tab's presence session, so the room counts the socket and the session as one client. */
  sessionId: () => string | null;
  size: () => { cols: number; rows: number };
  onOutput: (bytes: Uint8Array) => void;
  onMessage: (msg: ServerMessage) => void;
  onState: (info: ConnectionInfo) => void;
}

const encoder = new TextEncoder();

export class TerminalConnection {
  private socket: ReconnectingWebSocket;
  private failures = 0;
  private gotMessage = false;
  private closedByUs = false;
  private state: ConnectionState = 'connecting';

  constructor(private readonly opts: TerminalConnectionOptions) {
    this.socket = new ReconnectingWebSocket(() => this.nextUrl(), null, {
      // The schedule is applied in nextUrl(); partysocket itself waits 0.
      minReconnectionDelay: 0,
      maxReconnectionDelay: 0,
      connectionTimeout: 10_000,
      shouldReconnectOnClose: (e) => !isFinalClose(e.code),
    });
    this.socket.binaryType = 'arraybuffer';
    this.socket.addEventListener('open', () => {
      this.gotMessage = false;
      this.setState('open');
    });
    this.socket.addEventListener('message', (e) => this.onMessage(e));
    this.socket.addEventListener('close', (e) => this.onClose(e.code, e.reason));
    this.emit();
  }

  private async nextUrl(): Promise<string> {
    const delay = this.failures > 0 ? reconnectDelay(this.failures - 1) : 0;
    if (delay) await sleep(delay);
    const { cols, rows } = this.opts.size();
    const path = `/api/workspaces/${encodeURIComponent(this.opts.workspaceId)}/terminals/${encodeURIComponent(
      this.opts.windowId,
    )}?cols=${cols}&rows=${rows}&clientType=web`;
    const sessionId = this.opts.sessionId();
    return wsUrl(sessionId ? `${path}&sessionId=${encodeURIComponent(sessionId)}` : path);
  }

  private onMessage(e: MessageEvent) {
    if (!this.gotMessage) {
      // The server accepted us and is talking: the next drop starts the schedule from the beginning.
      this.gotMessage = true;
      this.failures = 0;
    }
    if (typeof e.data === 'string') this.opts.onMessage(parseServerMessage(e.data));
    else if (e.data instanceof ArrayBuffer) this.opts.onOutput(new Uint8Array(e.data));
  }

  private onClose(code: number, reason: string) {
    if (this.closedByUs) return;
    if (isFinalClose(code)) {
      this.setState('ended', { closeCode: code, reason });
      return;
    }
    this.failures++;
    if (reconnectDelay(this.failures - 1) === null) {
      this.closedByUs = true;
      this.socket.close();
      this.closedByUs = false;
      this.setState('lost', { closeCode: code, reason });
      return;
    }
    this.setState('reconnecting', { closeCode: code, reason });
  }

  private extra: Partial<ConnectionInfo> = {};
  private setState(state: ConnectionState, extra: Partial<ConnectionInfo> = {}) {
    this.state = state;
    this.extra = extra;
    this.emit();
  }
  private emit() {
    this.opts.onState({ state: this.state, attempt: this.failures, ...this.extra });
  }

  get isOpen() {
    return this.state === 'open' && this.socket.readyState === WebSocket.OPEN;
  }

  /** Keyboard input or a paste: sent as binary frames of at most INPUT_CHUNK_BYTES, in order. */
  sendInput(data: string | Uint8Array) {
    if (!this.isOpen) return;
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    for (let i = 0; i < bytes.length; i += INPUT_CHUNK_BYTES) {
      this.socket.send(bytes.subarray(i, i + INPUT_CHUNK_BYTES).slice());
    }
  }

  resize(cols: number, rows: number) {
    if (this.isOpen) this.socket.send(resizeMessage(cols, rows));
  }

  ack(bytes: number) {
    if (this.isOpen) this.socket.send(ackMessage(bytes));
  }

  /** Presence over the socket; `active` says a person is at the keyboard (counts as activity). */
  heartbeat(active: boolean) {
    if (this.isOpen) this.socket.send(heartbeatMessage(active));
  }

  /** "Click to reconnect": start the schedule over. */
  reconnect() {
    this.failures = 0;
    this.setState('connecting');
    this.socket.reconnect();
  }

  dispose() {
    this.closedByUs = true;
    this.socket.close(1000, 'viewer closed');
  }
}
