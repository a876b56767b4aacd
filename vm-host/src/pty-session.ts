import pty, { type IPty } from '@lydell/node-pty';
import type { WebSocket } from 'ws';
import type { ClosePtySessionResult, PtyClientMsg, PtySessionInfo } from '../../core/vm/types';
import { PtyClientMsgSchema } from '../../core/vm/types';
import { notFound } from './errors';
import { foregroundPgid, processTree, signalAll } from './procs';
import { ByteRing } from './ring';
import type { SpawnSpec } from './sandbox';

/** What a VM gives its PTY sessions: how to spawn in its sandbox, and where to register root pids. */
export interface PtyHost {
  spawnSpec(argv: string[]): SpawnSpec;
  readonly roots: Set<number>;
}

/** Output retained per session and replayed to a socket that (re)attaches. */
export const RETAINED_BYTES = 256 * 1024;
/** Output batching: a lone chunk goes out at once (keystroke echo); a burst is coalesced for this long. */
const BATCH_MS = 2;
const BATCH_BYTES = 64 * 1024;
/** Flow control: stop reading the PTY while any socket has more than HIGH queued; resume below LOW. */
export const FLOW_HIGH = 1024 * 1024;
const FLOW_LOW = 256 * 1024;
const FLOW_POLL_MS = 5;
/** A socket stuck above HIGH this long is dropped, so one dead viewer cannot freeze the shell forever. */
export const STALL_LIMIT_MS = 30_000;
const MAX_EXITED_KEPT = 16;
const SLUG = /^(?!\d+$)[a-z0-9]+(-[a-z0-9]+)*$/;

export interface OpenOptions {
  exec?: string;
  cols: number;
  rows: number;
  slug?: string;
  replaceOnExit: boolean;
}

export const isValidSessionSlug = (s: string) => s.length <= 63 && SLUG.test(s);

export class PtySession {
  readonly createdUnix = Math.floor(Date.now() / 1000);
  state: 'running' | 'exited' = 'running';
  exitCode: number | null = null;
  private proc: IPty | undefined;
  private readonly ring = new ByteRing(RETAINED_BYTES);
  private readonly sockets = new Map<WebSocket, { highSince: number | null }>();
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private batchTimer: NodeJS.Timeout | null = null;
  private flowTimer: NodeJS.Timeout | null = null;
  private readingPaused = false;
  private recentExits: number[] = [];
  private killed = false;

  constructor(
    private readonly owner: PtySessions,
    readonly id: number,
    public slug: string | null,
    public cols: number,
    public rows: number,
    private readonly exec: string | undefined,
    private readonly replaceOnExit: boolean,
  ) {
    this.spawn();
  }

  private spawn() {
    const argv = this.exec ? ['/bin/bash', '-c', this.exec] : ['/bin/bash', '-l'];
    const spec = this.owner.host.spawnSpec(argv);
    const p = pty.spawn(spec.file, spec.args, {
      name: 'xterm-256color',
      cols: this.cols,
      rows: this.rows,
      cwd: spec.cwd,
      env: spec.env,
      encoding: null,
    });
    this.proc = p;
    this.state = 'running';
    this.exitCode = null;
    this.owner.host.roots.add(p.pid);
    p.onData((d) => this.onOutput(d as unknown as Buffer));
    p.onExit(({ exitCode, signal }) => {
      this.owner.host.roots.delete(p.pid);
      if (this.proc !== p) return;
      this.onExit(signal ? 128 + signal : exitCode);
    });
  }

  get info(): PtySessionInfo {
    return {
      sessionId: this.id,
      state: this.state,
      createdUnix: this.createdUnix,
      cols: this.cols,
      rows: this.rows,
      exitCode: this.exitCode,
      linuxUser: 'root',
      slug: this.slug,
    };
  }

  get socketCount() {
    return this.sockets.size;
  }

  /** Adds a viewer: sessionInfo first, then retained output when it is not a fresh session. */
  attach(ws: WebSocket, created: boolean) {
    // Anything batched is already in the ring: flush it to the current viewers so the newcomer gets it once.
    this.flush();
    ws.send(
      JSON.stringify({
        type: 'sessionInfo',
        sessionId: this.id,
        ...(this.slug ? { slug: this.slug } : {}),
        created,
      }),
    );
    if (!created && this.ring.length > 0) ws.send(this.ring.snapshot(), { binary: true });
    if (this.state === 'exited') {
      ws.send(JSON.stringify({ type: 'exited', exitCode: this.exitCode ?? 0 }));
      ws.close(1000);
      return;
    }
    this.sockets.set(ws, { highSince: null });
    ws.on('message', (data, isBinary) => this.onMessage(ws, data as Buffer, isBinary));
    // A viewer leaving (any close code) only detaches: the session keeps running.
    ws.on('close', () => {
      this.sockets.delete(ws);
      this.checkFlow();
    });
    ws.on('error', () => undefined);
  }

  private onMessage(ws: WebSocket, data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean) {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (isBinary) {
      if (this.state === 'running') this.proc?.write(buf as unknown as string);
      return;
    }
    let msg: PtyClientMsg;
    try {
      msg = PtyClientMsgSchema.parse(JSON.parse(buf.toString('utf8')));
    } catch {
      ws.send(JSON.stringify({ type: 'error', message: 'invalid control message' }));
      return;
    }
    if (msg.type === 'resize') this.resize(msg.cols, msg.rows);
    else this.signal(msg.signal);
  }

  resize(cols: number, rows: number) {
    this.cols = cols;
    this.rows = rows;
    if (this.state === 'running') this.proc?.resize(cols, rows);
  }

  /** sigint goes to the terminal's foreground process group (what Ctrl-C hits); sigkill ends the whole session. */
  signal(sig: 'sigint' | 'sigkill') {
    const p = this.proc;
    if (!p || this.state !== 'running') return;
    if (sig === 'sigkill') {
      signalAll(processTree([p.pid]), 'SIGKILL');
      return;
    }
    const pgid = foregroundPgid(p.pid);
    if (pgid) {
      try {
        process.kill(-pgid, 'SIGINT');
        return;
      } catch {
        // fall through to the terminal's own interrupt character
      }
    }
    p.write('\x03');
  }

  private onOutput(chunk: Buffer) {
    this.ring.push(chunk);
    if (!this.batchTimer) {
      this.broadcast(chunk);
      this.batchTimer = setTimeout(() => this.flushTick(), BATCH_MS);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= BATCH_BYTES) this.flush();
  }

  private flushTick() {
    this.batchTimer = null;
    if (this.pendingBytes === 0) return;
    this.flush();
    // Still busy: keep coalescing.
    this.batchTimer = setTimeout(() => this.flushTick(), BATCH_MS);
  }

  private flush() {
    if (this.pendingBytes === 0) return;
    const data =
      this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.broadcast(data);
  }

  private broadcast(data: Buffer) {
    for (const ws of this.sockets.keys()) if (ws.readyState === ws.OPEN) ws.send(data, { binary: true });
    this.checkFlow();
  }

  /** Pauses reading the PTY while any viewer is backed up, so nothing queues without bound. */
  private checkFlow() {
    const t = Date.now();
    let high = false;
    let allLow = true;
    for (const [ws, st] of this.sockets) {
      const queued = ws.bufferedAmount;
      if (queued > FLOW_HIGH) {
        st.highSince ??= t;
        if (t - st.highSince > this.owner.stallLimitMs) {
          ws.terminate();
          this.sockets.delete(ws);
          continue;
        }
        high = true;
      } else if (queued <= FLOW_LOW) {
        st.highSince = null;
      }
      if (queued > FLOW_LOW) allLow = false;
    }
    if (high && !this.readingPaused) {
      this.readingPaused = true;
      this.proc?.pause();
    } else if (this.readingPaused && allLow) {
      this.readingPaused = false;
      this.proc?.resume();
    }
    if (this.readingPaused && !this.flowTimer) {
      this.flowTimer = setTimeout(() => {
        this.flowTimer = null;
        this.checkFlow();
      }, FLOW_POLL_MS);
    }
  }

  get isReadingPaused() {
    return this.readingPaused;
  }

  private onExit(code: number) {
    this.flush();
    const t = Date.now();
    this.recentExits = [...this.recentExits.filter((x) => t - x < 10_000), t];
    if (this.replaceOnExit && this.recentExits.length < 3 && !this.killed && !this.owner.closing) {
      this.spawn();
      return;
    }
    this.state = 'exited';
    this.exitCode = code;
    this.slug = null; // an exited session answers only to its id
    this.readingPaused = false;
    for (const ws of this.sockets.keys()) {
      if (ws.readyState !== ws.OPEN) continue;
      ws.send(JSON.stringify({ type: 'exited', exitCode: code }));
      ws.close(1000);
    }
    this.sockets.clear();
    this.owner.pruneExited();
  }

  /** Ends the shell and every process under it, and detaches every viewer. */
  kill() {
    const p = this.proc;
    this.killed = true;
    if (p && this.state === 'running') {
      this.proc = undefined;
      signalAll(processTree([p.pid]), 'SIGKILL');
      this.onExit(137);
    }
    for (const ws of this.sockets.keys()) ws.close(1000);
    this.sockets.clear();
    if (this.batchTimer) clearTimeout(this.batchTimer);
    if (this.flowTimer) clearTimeout(this.flowTimer);
  }
}

/** A VM's PTY sessions, addressed by per-VM integer id or by slug. */
export class PtySessions {
  private nextId = 1;
  private readonly sessions = new Map<number, PtySession>();
  closing = false;
  stallLimitMs = STALL_LIMIT_MS;

  constructor(readonly host: PtyHost) {}

  /** Get-or-create by slug; without a slug always creates. */
  open(opts: OpenOptions): { session: PtySession; created: boolean } {
    if (opts.slug) {
      const existing = this.bySlug(opts.slug);
      if (existing) return { session: existing, created: false };
    }
    this.closing = false;
    const session = new PtySession(
      this,
      this.nextId++,
      opts.slug ?? null,
      opts.cols,
      opts.rows,
      opts.exec,
      opts.replaceOnExit,
    );
    this.sessions.set(session.id, session);
    return { session, created: true };
  }

  private bySlug(slug: string) {
    for (const s of this.sessions.values()) if (s.slug === slug) return s;
    return undefined;
  }

  find(selector: string): PtySession | undefined {
    if (/^\d+$/.test(selector)) return this.sessions.get(Number(selector));
    return this.bySlug(selector);
  }

  list(): PtySessionInfo[] {
    return [...this.sessions.values()].map((s) => s.info);
  }

  close(selector: string): ClosePtySessionResult {
    const s = this.find(selector);
    if (!s) throw notFound(`PTY session ${selector}`);
    const exitCode = s.state === 'exited' ? s.exitCode : undefined;
    s.kill();
    this.sessions.delete(s.id);
    return exitCode === undefined ? { sessionId: s.id } : { sessionId: s.id, exitCode };
  }

  closeAll() {
    this.closing = true;
    for (const s of this.sessions.values()) s.kill();
    this.sessions.clear();
  }

  pruneExited() {
    const exited = [...this.sessions.values()].filter((s) => s.state === 'exited');
    for (const s of exited.slice(0, Math.max(0, exited.length - MAX_EXITED_KEPT))) this.sessions.delete(s.id);
  }
}
