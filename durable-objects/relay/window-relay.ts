import { FLOW_RESUME_BYTES, MAX_INPUT_FRAME_BYTES } from '../../core/protocol';
import { PtyServerMsgSchema } from '../../core/vm';
import { OutputBatcher } from './batcher';
import { hold, release, releaseAll } from './chunks';
import { FanoutFloods } from './fanout';
import { deliver, dropPending, newViewer, send, type Viewer } from './flow';
import { ScreenMirror, type MirrorLimits } from './mirror';

/** Input typed before the PTY is reached (or while the workspace resumes) is kept up to this. */
const MAX_PENDING_INPUT_BYTES = 4 * 1024 * 1024;
/** Frames are batched up to this; with many viewers every frame is sent many times, so fewer, bigger. */
const MAX_BATCH_BYTES = 64 * 1024;
const FANOUT_BATCH_BYTES = 256 * 1024;
export type RelayLimits = MirrorLimits;

export interface RelayHost {
  /** Terminal input or output happened: the workspace is in use. */
  activity(): void;
  /** The shell ended: viewers are told and closed; the window stays (attaching again starts a shell). */
  exited(windowId: string, exitCode: number): void;
  /** The PTY socket failed or closed without an exit. */
  failed(windowId: string, message: string): void;
}

/**
 * One terminal window: the room's end of one PTY session on the VM, the mirror of its screen
 * (relay/mirror.ts), and every viewer's flow control. A viewer that attaches (or is resynchronised) gets
 * the mirror's screen at a barrier plus the output queued for it since: exactly the stream.
 */
export class WindowRelay {
  private readonly mirror: ScreenMirror;
  private readonly batcher: OutputBatcher;
  private readonly viewers = new Map<string, Viewer>();
  private pty: WebSocket | null = null;
  private phase: 'idle' | 'connecting' | 'open' | 'closed' = 'idle';
  private pendingInput: Uint8Array[] = [];
  private pendingInputBytes = 0;
  private expectReplay = false;
  private readyWaiters: (() => void)[] = [];
  outputBytes = 0;
  private readonly floods: FanoutFloods;

  constructor(
    readonly windowId: string,
    private readonly host: RelayHost,
    cols = 80,
    rows = 24,
    limits: RelayLimits = {},
  ) {
    this.mirror = new ScreenMirror(cols, rows, limits, {
      // A screen being prepared would miss what the mirror skips: those viewers wait for it.
      fellBehind: () => {
        for (const v of this.viewers.values()) {
          if (v.state === 'syncing') {
            v.overflowed = true;
            dropPending(v);
          }
        }
      },
      caughtUp: () => {
        for (const v of this.viewers.values()) if (v.state === 'syncing') this.sync(v, v.syncReason);
      },
    });
    this.batcher = new OutputBatcher(
      (chunk) => this.broadcast(chunk),
      () => (this.floods.fanout ? FANOUT_BATCH_BYTES : MAX_BATCH_BYTES),
    );
    this.floods = new FanoutFloods({
      viewers: this.viewers,
      mirror: this.mirror,
      resync: (v) => this.sync(v, 'resync'),
    });
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
    const size = this.effectiveSize() ?? { cols: this.mirror.cols, rows: this.mirror.rows };
    this.mirror.resizeNow(size.cols, size.rows);
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

  /** The session exited and its last screen is on its way to the viewers: the socket's close is expected. */
  private exiting = false;

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
      this.batcher.flush();
      const exitCode = msg.exitCode;
      // A reattach to a session that had already exited (the Setup window's log): viewers still waiting
      // for their screen get the replayed one before they hear of the exit.
      if (![...this.viewers.values()].some((v) => v.state === 'syncing')) {
        this.closeInternal();
        this.host.exited(this.windowId, exitCode);
        return;
      }
      this.exiting = true;
      this.mirror.barrier(() => {
        for (const v of this.viewers.values()) {
          if (v.state !== 'syncing') continue;
          const { cols, rows } = this.mirror;
          send(v.ws, { type: 'screen', data: this.mirror.screen(), cols, rows, reason: 'attach' });
        }
        this.closeInternal();
        this.host.exited(this.windowId, exitCode);
      });
    } else if (msg.type === 'error') {
      for (const v of this.viewers.values())
        send(v.ws, { type: 'error', code: 'pty_error', message: msg.message });
    }
  }

  private onPtyClosed(message: string) {
    if (this.isClosed || this.exiting) return;
    this.batcher.flush();
    this.closeInternal();
    this.host.failed(this.windowId, message);
  }

  // ------------------------------------------------------------------ output

  /** Takes over the caller's hold on `bytes`. */
  private output(bytes: Uint8Array) {
    this.host.activity();
    this.outputBytes += bytes.length;
    this.floods.output(bytes.length);
    this.batcher.push(bytes);
  }

  /** One chunk to the mirror and every viewer (the caller keeps its hold). */
  private broadcast(chunk: Uint8Array) {
    this.mirror.write(chunk);
    const window = this.floods.window();
    for (const v of this.viewers.values()) deliver(v, chunk, window);
  }

  /** Sends the viewer the current screen at a barrier, then what came after it. */
  private sync(v: Viewer, reason: 'attach' | 'resync') {
    v.state = 'syncing';
    v.syncReason = reason;
    dropPending(v);
    v.overflowed = false;
    if (!this.isOpen) return; // markOpen syncs it
    if (this.mirror.behind) {
      v.overflowed = true; // caughtUp syncs it
      return;
    }
    this.mirror.barrier(() => {
      if (!this.viewers.has(v.id) || v.state !== 'syncing') return;
      if (this.mirror.behind) return; // caughtUp syncs it
      if (v.overflowed) {
        // Output outran the screen we were preparing: prepare a newer one.
        this.sync(v, reason);
        return;
      }
      send(v.ws, {
        type: 'screen',
        data: this.mirror.screen(),
        cols: this.mirror.cols,
        rows: this.mirror.rows,
        reason,
      });
      const pending = v.pending;
      v.pending = [];
      v.pendingBytes = 0;
      v.unacked = 0;
      v.state = 'live';
      const window = this.floods.window();
      for (const chunk of pending) deliver(v, chunk, window);
      releaseAll(pending);
    });
  }

  // ------------------------------------------------------------------ viewers

  attach(id: string, ws: WebSocket, cols: number, rows: number) {
    const v = newViewer(id, ws, cols, rows);
    this.viewers.set(id, v);
    this.resizeToViewers();
    this.sync(v, 'attach');
  }

  detach(id: string) {
    const v = this.viewers.get(id);
    if (!v) return;
    dropPending(v);
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
    if (v.state !== 'stalled' || v.unacked > FLOW_RESUME_BYTES) return;
    if (!this.floods.takeToFrames(v)) this.sync(v, 'resync');
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
    if (!force && cols === this.mirror.cols && rows === this.mirror.rows) return;
    this.mirror.resizeAtBarrier(cols, rows);
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
    this.batcher.stop();
    this.floods.stop();
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
    this.batcher.flush();
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
    this.mirror.dispose();
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
      parsePending: this.mirror.parsePending,
      batchBytes: this.batcher.heldBytes,
      emulatorTailBytes: this.mirror.tailHeldBytes,
      /** Output bytes the relay holds right now (emulator queue, batch, screens being prepared, tail). */
      heldBytes:
        this.mirror.heldBytes +
        this.batcher.heldBytes +
        [...this.viewers.values()].reduce((n, v) => n + v.pendingBytes, 0),
      catchUps: this.mirror.catchUps,
      emulatorResets: this.mirror.resets,
      framesSent: this.floods.framesSent,
      outputBytes: this.outputBytes,
      cols: this.mirror.cols,
      rows: this.mirror.rows,
    };
  }
}
