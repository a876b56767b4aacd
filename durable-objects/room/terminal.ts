import { Terminal } from '@xterm/headless';
import { SerializeAddon } from '@xterm/addon-serialize';
import {
  CloseCode,
  FLOW_ACK_EVERY_BYTES,
  FLOW_RESUME_BYTES,
  flowWindowFor,
  MAX_INPUT_FRAME_BYTES,
  SCROLLBACK_LINES,
  type TerminalServerMsg,
} from '../../core/protocol';
import { PtyServerMsgSchema } from '../../core/vm';
import { hold, release, releaseAll } from './chunks';

/** Output is batched for at most this long (or MAX_BATCH_BYTES) after a frame went out at once. */
const BATCH_MS = 2;
const MAX_BATCH_BYTES = 64 * 1024;
/** With many viewers every frame is sent many times: fewer, bigger frames cost the room less. */
const FANOUT_BATCH_BYTES = 256 * 1024;
/** Input typed before the PTY is reached (or while the workspace resumes) is kept up to this. */
const MAX_PENDING_INPUT_BYTES = 4 * 1024 * 1024;
/**
 * The headless terminal may fall this far behind the stream (bytes written, not parsed yet). Past it,
 * output still goes to every viewer but the emulator skips it, keeping only the last
 * EMULATOR_TAIL_BYTES; once it has caught up it is fed that tail (see `catchUp`). Without a bound its
 * queue grows with the flood (and xterm throws past 50 MB queued). 2 MiB is ~20 ms of parsing: a viewer
 * being resynchronised waits for the emulator, so a deep backlog delays every stalled viewer's screen
 * (with 50 viewers of a flood, 8 MiB made them reach the end 0.7x as fast as one viewer; 2 MiB, 0.9x).
 */
export const MAX_PARSE_BACKLOG_BYTES = 2 * 1024 * 1024;
export const EMULATOR_TAIL_BYTES = 512 * 1024;

export interface RelayLimits {
  maxParseBacklogBytes?: number;
  emulatorTailBytes?: number;
}

export interface RelayHost {
  /** Terminal input or output happened: the workspace is in use. */
  activity(): void;
  /** The shell ended: viewers are told and closed; the window stays (attaching again starts a shell). */
  exited(windowId: string, exitCode: number): void;
  /** The PTY socket failed or closed without an exit. */
  failed(windowId: string, message: string): void;
}

type FlowState = 'syncing' | 'live' | 'stalled';

/** One viewer of a window, as the relay sees it (the socket's own attachment holds the rest). */
interface Viewer {
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
}

export function send(ws: WebSocket, msg: TerminalServerMsg | string) {
  try {
    ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  } catch {
    // Closing or closed: its close handler cleans up.
  }
}

function sendBytes(ws: WebSocket, bytes: Uint8Array) {
  try {
    ws.send(bytes);
  } catch {
    // As above.
  }
}

/** One held chunk of held parts: the parts are released (a single part is passed on as it is). */
function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  hold(out);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
    release(p);
  }
  return out;
}

/**
 * One terminal window: the room's end of one PTY session on the VM, a headless terminal that mirrors
 * its screen, and every viewer's flow control.
 *
 * Output is written to the headless terminal at the moment it is broadcast, so "what the terminal has
 * parsed" and "what viewers were sent" advance together. A viewer that attaches (or is resynchronised)
 * asks for a barrier (`term.write('', cb)`): the callback runs once everything broadcast before it is
 * parsed and before anything after it is, so the screen serialized there plus the output queued for
 * that viewer since is exactly the stream, with no byte twice and none missing.
 */
export class WindowRelay {
  readonly term: Terminal;
  private readonly serializer = new SerializeAddon();
  private readonly viewers = new Map<string, Viewer>();
  private pty: WebSocket | null = null;
  private phase: 'idle' | 'connecting' | 'open' | 'closed' = 'idle';
  private pendingInput: Uint8Array[] = [];
  private pendingInputBytes = 0;
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private batchTimer: ReturnType<typeof setTimeout> | null = null;
  private expectReplay = false;
  private readyWaiters: (() => void)[] = [];
  /** Bytes written to the headless terminal and not parsed yet (bounded by maxParseBacklog). */
  parsePending = 0;
  outputBytes = 0;
  /** The emulator fell behind: output skips it and only its tail is kept (see `catchUp`). */
  private behind = false;
  private tail: Uint8Array[] = [];
  private tailBytes = 0;
  /** The tail lost its beginning: the emulator restarts from a line boundary of what is left. */
  private tailTrimmed = false;
  /** Bumped whenever the emulator's state changes (parsed output, resize, reset): keys `screenCache`. */
  private screenVersion = 0;
  private screenCache: { version: number; data: string } | null = null;
  /** Times the emulator fell behind (stats). */
  catchUps = 0;
  private readonly maxParseBacklog: number;
  private readonly tailLimit: number;

  constructor(
    readonly windowId: string,
    private readonly host: RelayHost,
    cols = 80,
    rows = 24,
    limits: RelayLimits = {},
  ) {
    this.maxParseBacklog = limits.maxParseBacklogBytes ?? MAX_PARSE_BACKLOG_BYTES;
    this.tailLimit = limits.emulatorTailBytes ?? EMULATOR_TAIL_BYTES;
    this.term = new Terminal({ cols, rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    this.term.loadAddon(this.serializer as unknown as Parameters<Terminal['loadAddon']>[0]);
  }

  get viewerCount() {
    return this.viewers.size;
  }

  get isOpen() {
    return this.phase === 'open';
  }

  get isClosed() {
    return this.phase === 'closed';
  }

  /** Opens the PTY socket (once). `open` returns an accepted WebSocket to the VM's PTY. */
  async start(open: (cols: number, rows: number) => Promise<WebSocket>): Promise<void> {
    if (this.phase !== 'idle') return this.whenReady();
    this.phase = 'connecting';
    const size = this.effectiveSize() ?? { cols: this.term.cols, rows: this.term.rows };
    if (size.cols !== this.term.cols || size.rows !== this.term.rows) {
      this.term.resize(size.cols, size.rows);
      this.screenVersion++;
    }
    let ws: WebSocket;
    try {
      ws = await open(size.cols, size.rows);
    } catch (err) {
      this.phase = 'closed';
      this.host.failed(this.windowId, err instanceof Error ? err.message : String(err));
      throw err;
    }
    if (this.isClosed) {
      ws.close(1000);
      return;
    }
    this.pty = ws;
    ws.addEventListener('message', (ev) => this.onPtyMessage(ev.data));
    ws.addEventListener('close', () => this.onPtyClosed('The terminal connection to the VM closed.'));
    ws.addEventListener('error', () => this.onPtyClosed('The terminal connection to the VM failed.'));
    return this.whenReady();
  }

  private whenReady(): Promise<void> {
    if (this.phase === 'open' || this.phase === 'closed') return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private markOpen() {
    if (this.phase !== 'connecting') return;
    this.phase = 'open';
    // Input typed while we were connecting goes in first, in order.
    for (const chunk of this.pendingInput) this.sendInput(chunk);
    this.pendingInput = [];
    this.pendingInputBytes = 0;
    const size = this.effectiveSize();
    if (size) this.applySize(size.cols, size.rows, true);
    for (const w of this.readyWaiters.splice(0)) w();
    for (const v of this.viewers.values()) if (v.state === 'syncing') this.sync(v, 'attach');
  }

  private onPtyMessage(data: string | ArrayBuffer) {
    if (typeof data !== 'string') {
      const bytes = new Uint8Array(data);
      hold(bytes);
      if (this.expectReplay) {
        // A reattached session replays its retained output first: it belongs to the screen.
        this.expectReplay = false;
        this.broadcast(bytes);
        release(bytes);
        this.markOpen();
        return;
      }
      this.output(bytes);
      return;
    }
    let parsed;
    try {
      parsed = PtyServerMsgSchema.safeParse(JSON.parse(data));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const msg = parsed.data;
    if (msg.type === 'sessionInfo') {
      if (msg.created === false) {
        // The replay (if any) arrives next; do not wait for it forever.
        this.expectReplay = true;
        setTimeout(() => {
          this.expectReplay = false;
          this.markOpen();
        }, 150);
      } else {
        this.markOpen();
      }
    } else if (msg.type === 'exited') {
      this.flushBatch();
      this.closeInternal();
      this.host.exited(this.windowId, msg.exitCode);
    } else if (msg.type === 'error') {
      for (const v of this.viewers.values())
        send(v.ws, { type: 'error', code: 'pty_error', message: msg.message });
    }
  }

  private onPtyClosed(message: string) {
    if (this.isClosed) return;
    this.flushBatch();
    this.closeInternal();
    this.host.failed(this.windowId, message);
  }

  // ------------------------------------------------------------------ output

  /** Takes over the caller's hold on `bytes`. */
  private output(bytes: Uint8Array) {
    this.host.activity();
    this.outputBytes += bytes.length;
    if (!this.batchTimer) {
      // Nothing went out in the last BATCH_MS: send at once (a keystroke's echo), then batch a while.
      this.broadcast(bytes);
      release(bytes);
      this.batchTimer = setTimeout(() => this.onBatchTimer(), BATCH_MS);
      return;
    }
    const maxBatch = this.viewers.size > 4 ? FANOUT_BATCH_BYTES : MAX_BATCH_BYTES;
    if (bytes.length >= maxBatch / 2) {
      // Already a big frame (the VM host batches too): send it as is, after what is batched, no copy.
      this.flushBatch();
      this.broadcast(bytes);
      release(bytes);
      return;
    }
    this.batch.push(bytes);
    this.batchBytes += bytes.length;
    if (this.batchBytes >= maxBatch) this.flushBatch();
  }

  private onBatchTimer() {
    this.batchTimer = null;
    if (this.batchBytes > 0) {
      this.flushBatch();
      this.batchTimer = setTimeout(() => this.onBatchTimer(), BATCH_MS);
    }
  }

  private flushBatch() {
    if (!this.batchBytes) return;
    const chunk = concat(this.batch, this.batchBytes);
    this.batch = [];
    this.batchBytes = 0;
    this.broadcast(chunk);
    release(chunk);
  }

  private broadcast(chunk: Uint8Array) {
    if (!this.behind && this.parsePending + chunk.length > this.maxParseBacklog) {
      // The emulator is not keeping up: stop queueing for it (viewers still get everything).
      this.behind = true;
      this.catchUps++;
      // A screen being prepared would miss what the emulator skips: those viewers wait for catchUp.
      for (const v of this.viewers.values()) {
        if (v.state === 'syncing') {
          v.overflowed = true;
          this.dropPending(v);
        }
      }
    }
    if (this.behind) this.keepTail(chunk);
    else this.feed(chunk);
    for (const v of this.viewers.values()) this.deliver(v, chunk);
  }

  /** Writes to the headless terminal, counting what it has not parsed yet. */
  private feed(chunk: Uint8Array) {
    this.parsePending += chunk.length;
    hold(chunk);
    this.term.write(chunk, () => {
      this.parsePending -= chunk.length;
      this.screenVersion++;
      release(chunk);
      if (this.behind && this.parsePending === 0) this.catchUp();
    });
  }

  private keepTail(chunk: Uint8Array) {
    hold(chunk);
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes - this.tail[0]!.length >= this.tailLimit) {
      const dropped = this.tail.shift()!;
      this.tailBytes -= dropped.length;
      release(dropped);
      this.tailTrimmed = true;
    }
  }

  /**
   * The emulator has parsed everything it was given. If nothing it skipped was lost, it gets the skipped
   * bytes and the screen is exact. Otherwise it is reset and fed the kept tail from its first line
   * boundary: for a flood (the case that gets here) the screen is the last rows of output. Trade-off:
   * state set before the tail (colours, modes, the alternate screen, cursor moves of a full-screen
   * program) is lost until the program redraws, and scrollback holds only the tail; viewers that were
   * live all along are unaffected (their own terminals parsed every byte).
   */
  private catchUp() {
    const parts = this.tail;
    const total = this.tailBytes;
    const trimmed = this.tailTrimmed;
    this.tail = [];
    this.tailBytes = 0;
    this.tailTrimmed = false;
    this.behind = false;
    if (this.isClosed) return releaseAll(parts);
    if (!parts.length) return this.syncWaiting();
    const whole = concat(parts, total);
    let bytes = whole;
    if (trimmed) {
      this.term.reset();
      this.screenVersion++;
      const nl = bytes.indexOf(0x0a);
      bytes = nl >= 0 ? bytes.subarray(nl + 1) : bytes;
    }
    if (bytes.length) this.feed(bytes);
    release(whole);
    this.syncWaiting();
  }

  private syncWaiting() {
    for (const v of this.viewers.values()) if (v.state === 'syncing') this.sync(v, v.syncReason);
  }

  private deliver(v: Viewer, chunk: Uint8Array) {
    const window = flowWindowFor(this.viewers.size);
    if (v.state === 'live') {
      if (v.unacked + chunk.length > window) {
        // It is not keeping up: stop sending (no queue); it gets a fresh screen when it reads again.
        v.state = 'stalled';
        return;
      }
      v.unacked += chunk.length;
      sendBytes(v.ws, chunk);
    } else if (v.state === 'syncing') {
      if (v.overflowed) return; // a newer screen is coming: queue nothing
      if (v.pendingBytes + chunk.length > window) {
        this.dropPending(v);
        v.overflowed = true;
        return;
      }
      hold(chunk);
      v.pending.push(chunk);
      v.pendingBytes += chunk.length;
    }
    // stalled: dropped; the resync covers it.
  }

  private dropPending(v: Viewer) {
    releaseAll(v.pending);
    v.pending = [];
    v.pendingBytes = 0;
  }

  /** Sends the viewer the current screen at a barrier, then what came after it. */
  private sync(v: Viewer, reason: 'attach' | 'resync') {
    v.state = 'syncing';
    v.syncReason = reason;
    this.dropPending(v);
    v.overflowed = false;
    if (!this.isOpen) return; // markOpen syncs it
    if (this.behind) {
      v.overflowed = true; // catchUp syncs it
      return;
    }
    this.term.write('', () => {
      if (!this.viewers.has(v.id) || v.state !== 'syncing') return;
      if (this.behind) return; // catchUp syncs it
      if (v.overflowed) {
        // Output outran the screen we were preparing: prepare a newer one.
        this.sync(v, reason);
        return;
      }
      send(v.ws, {
        type: 'screen',
        data: this.serializedScreen(),
        cols: this.term.cols,
        rows: this.term.rows,
        reason,
      });
      const pending = v.pending;
      v.pending = [];
      v.pendingBytes = 0;
      v.unacked = 0;
      v.state = 'live';
      for (const chunk of pending) this.deliver(v, chunk);
      releaseAll(pending);
    });
  }

  /**
   * The emulator's screen and scrollback, serialized once per state: viewers resynchronised at the same
   * moment (a flood stalls many at once) share it instead of each paying for a full serialization.
   */
  private serializedScreen(): string {
    if (this.screenCache?.version !== this.screenVersion) {
      this.screenCache = {
        version: this.screenVersion,
        data: this.serializer.serialize({ scrollback: SCROLLBACK_LINES }),
      };
    }
    return this.screenCache.data;
  }

  // ------------------------------------------------------------------ viewers

  attach(id: string, ws: WebSocket, cols: number, rows: number) {
    const v: Viewer = {
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
    };
    this.viewers.set(id, v);
    this.resizeToViewers();
    this.sync(v, 'attach');
  }

  detach(id: string) {
    const v = this.viewers.get(id);
    if (!v) return;
    this.dropPending(v);
    this.viewers.delete(id);
    this.resizeToViewers();
  }

  has(id: string) {
    return this.viewers.has(id);
  }

  /** Acknowledged output: a stalled viewer that has caught up gets a fresh screen. */
  ack(id: string, bytes: number) {
    const v = this.viewers.get(id);
    if (!v) return;
    v.unacked = Math.max(0, v.unacked - bytes);
    if (v.state === 'stalled' && v.unacked <= FLOW_RESUME_BYTES) this.sync(v, 'resync');
  }

  resize(id: string, cols: number, rows: number) {
    const v = this.viewers.get(id);
    if (!v) return;
    v.cols = cols;
    v.rows = rows;
    this.resizeToViewers();
  }

  /** The smallest attached viewer's size, per dimension (tmux's `window-size smallest`). */
  effectiveSize(): { cols: number; rows: number } | null {
    if (!this.viewers.size) return null;
    let cols = Infinity;
    let rows = Infinity;
    for (const v of this.viewers.values()) {
      cols = Math.min(cols, v.cols);
      rows = Math.min(rows, v.rows);
    }
    return { cols, rows };
  }

  private resizeToViewers() {
    const size = this.effectiveSize();
    if (!size) return;
    this.applySize(size.cols, size.rows, false);
  }

  private applySize(cols: number, rows: number, force: boolean) {
    if (!force && cols === this.term.cols && rows === this.term.rows) return;
    // At a barrier, so output parsed before and after lands on the right size.
    this.term.write('', () => {
      if (cols !== this.term.cols || rows !== this.term.rows) {
        this.term.resize(cols, rows);
        this.screenVersion++;
      }
    });
    if (this.isOpen && this.pty) {
      try {
        this.pty.send(JSON.stringify({ type: 'resize', cols, rows }));
      } catch {
        // closing
      }
    }
    for (const v of this.viewers.values()) send(v.ws, { type: 'size', cols, rows });
  }

  // ------------------------------------------------------------------ input

  /** Input from any viewer goes in, in order, in bounded chunks. */
  input(bytes: Uint8Array): boolean {
    this.host.activity();
    if (!this.isOpen) {
      if (this.pendingInputBytes + bytes.length > MAX_PENDING_INPUT_BYTES) return false;
      this.pendingInput.push(bytes);
      this.pendingInputBytes += bytes.length;
      return true;
    }
    this.sendInput(bytes);
    return true;
  }

  private sendInput(bytes: Uint8Array) {
    if (!this.pty) return;
    try {
      for (let at = 0; at < bytes.length; at += MAX_INPUT_FRAME_BYTES) {
        this.pty.send(bytes.subarray(at, Math.min(bytes.length, at + MAX_INPUT_FRAME_BYTES)));
      }
    } catch {
      // closing: its close handler reports it
    }
  }

  signal(signal: 'sigint' | 'sigkill') {
    this.host.activity();
    if (!this.isOpen || !this.pty) return;
    try {
      this.pty.send(JSON.stringify({ type: 'signal', signal }));
    } catch {
      // closing
    }
  }

  // ------------------------------------------------------------------ teardown

  private closeInternal() {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    const pty = this.pty;
    this.pty = null;
    try {
      pty?.close(1000, 'detached');
    } catch {
      // already closed
    }
    for (const w of this.readyWaiters.splice(0)) w();
  }

  /** Closes the PTY socket (the session keeps running on the VM) and, with a code, every viewer. */
  close(viewerCode?: number, reason?: string) {
    this.flushBatch();
    this.closeInternal();
    if (viewerCode !== undefined) {
      for (const v of this.viewers.values()) {
        try {
          v.ws.close(viewerCode, reason);
        } catch {
          // already closed
        }
      }
    }
    this.viewers.clear();
    this.term.dispose();
  }

  /** Numbers for the bench and tests. */
  stats() {
    return {
      windowId: this.windowId,
      phase: this.phase,
      viewers: [...this.viewers.values()].map((v) => ({
        id: v.id,
        state: v.state,
        unacked: v.unacked,
        pendingBytes: v.pendingBytes,
      })),
      parsePending: this.parsePending,
      batchBytes: this.batchBytes,
      emulatorTailBytes: this.tailBytes,
      /** Output bytes the relay holds right now (emulator queue, batch, screens being prepared, tail). */
      heldBytes:
        this.parsePending +
        this.batchBytes +
        this.tailBytes +
        [...this.viewers.values()].reduce((n, v) => n + v.pendingBytes, 0),
      catchUps: this.catchUps,
      outputBytes: this.outputBytes,
      cols: this.term.cols,
      rows: this.term.rows,
    };
  }
}

export { CloseCode };
