import { Terminal } from '@xterm/headless';
import { SerializeAddon } from '@xterm/addon-serialize';
import { SCROLLBACK_LINES } from '../../core/protocol';
import { concat, hold, release, releaseAll } from './chunks';

/**
 * The headless terminal may fall this far behind the stream (bytes written, not parsed yet). Past it,
 * output still goes to every viewer but the emulator skips it, keeping only the last
 * EMULATOR_TAIL_BYTES; once it has caught up it is fed that tail (see `catchUp`). Without a bound its
 * queue grows with the flood (and xterm throws past 50 MB queued). 2 MiB is ~20 ms of parsing: a viewer
 * being resynchronised waits for the emulator, so a deep backlog delays every stalled viewer's screen
 * (with 50 viewers of a flood, 8 MiB made them reach the end 0.7x as fast as one viewer; 2 MiB, 0.9x).
 */
export const MAX_PARSE_BACKLOG_BYTES = 2 * 1024 * 1024;
/** Big enough that a short lag (the usual case) loses nothing and the screen stays exact. */
export const EMULATOR_TAIL_BYTES = 4 * 1024 * 1024;
/** xterm parses this much (~2 ms) before the room serves its sockets again (see `pump`). */
const SLICE_BYTES = 256 * 1024;
/** Before a viewport frame: default colours, cursor home, clear the screen. */
const FRAME_PREFIX = '\x1b[0m\x1b[H\x1b[2J';

export interface MirrorLimits {
  maxParseBacklogBytes?: number;
  emulatorTailBytes?: number;
  parseSliceBytes?: number;
}

export interface MirrorEvents {
  /** The emulator stopped keeping up: a screen being prepared now would miss what it skips. */
  fellBehind(): void;
  /** It has caught up again: screens can be prepared. */
  caughtUp(): void;
}

/**
 * A window's screen as the room keeps it: a headless xterm fed every chunk at the moment it is
 * broadcast, so "what it has parsed" and "what viewers were sent" advance together. `barrier(cb)` runs
 * `cb` once everything written before it is parsed and before anything written after it is: the screen
 * serialized there plus the output queued for a viewer since is exactly the stream, with no byte twice
 * and none missing.
 */
export class ScreenMirror {
  private readonly term: Terminal;
  private readonly serializer = new SerializeAddon();
  /** Bytes written and not parsed yet (bounded by maxParseBacklog). */
  parsePending = 0;
  /** Chunks for xterm and barriers, in stream order (see `pump`). */
  private queue: ({ chunk: Uint8Array } | { then: () => void })[] = [];
  /** A chunk is with xterm, or the next one is scheduled. */
  private busy = false;
  /** It fell behind: output skips it and only its tail is kept (see `catchUp`). */
  private lagging = false;
  private tail: Uint8Array[] = [];
  private tailBytes = 0;
  /** The tail lost its beginning: the emulator restarts from a line boundary of what is left. */
  private tailTrimmed = false;
  /** Bumped whenever the state changes (parsed output, resize, reset): keys `screenCache`. */
  private version = 0;
  private screenCache: { version: number; data: string } | null = null;
  private frameCache: { version: number; data: Uint8Array } | null = null;
  private disposed = false;
  /** Reset and not yet fed its tail: the screen is blank for a moment and not worth showing. */
  private restoring = false;
  /** Times it fell behind (stats). */
  catchUps = 0;
  /** Catch-ups that had lost part of the skipped output and restarted from the tail (stats). */
  resets = 0;
  private readonly maxParseBacklog: number;
  private readonly tailLimit: number;
  private readonly sliceBytes: number;

  constructor(
    cols: number,
    rows: number,
    limits: MirrorLimits,
    private readonly events: MirrorEvents,
  ) {
    this.maxParseBacklog = limits.maxParseBacklogBytes ?? MAX_PARSE_BACKLOG_BYTES;
    this.tailLimit = limits.emulatorTailBytes ?? EMULATOR_TAIL_BYTES;
    this.sliceBytes = limits.parseSliceBytes ?? SLICE_BYTES;
    this.term = new Terminal({ cols, rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    this.term.loadAddon(this.serializer as unknown as Parameters<Terminal['loadAddon']>[0]);
  }

  get cols() {
    return this.term.cols;
  }

  get rows() {
    return this.term.rows;
  }

  /** Behind: no screen can be prepared until `caughtUp`. */
  get behind() {
    return this.lagging;
  }

  /** The screen is a real one (not blank mid-restore): frames may show it. */
  get showable() {
    return !this.restoring;
  }

  get heldBytes() {
    return this.parsePending + this.tailBytes;
  }

  get tailHeldBytes() {
    return this.tailBytes;
  }

  /** One broadcast chunk: parsed in order or, past the backlog bound, kept in the tail. */
  write(chunk: Uint8Array) {
    if (!this.lagging && this.parsePending + chunk.length > this.maxParseBacklog) {
      this.lagging = true;
      this.catchUps++;
      this.events.fellBehind();
    }
    if (!this.lagging) {
      this.feed(chunk);
      return;
    }
    this.keepTail(chunk);
    if (!this.busy && this.parsePending === 0) {
      // Nothing is being parsed to finish and call catchUp (a chunk bigger than the whole bound):
      // catch up on the next turn, once this chunk has reached the viewers.
      this.busy = true;
      setTimeout(() => {
        this.busy = false;
        this.pump();
      }, 0);
    }
  }

  /** Runs `then` once everything written so far is parsed, before anything written after. */
  barrier(then: () => void) {
    this.queue.push({ then });
    this.pump();
  }

  /** Resizes once what was written before is parsed, so output lands on the size it was made for. */
  resizeAtBarrier(cols: number, rows: number) {
    this.barrier(() => this.resizeNow(cols, rows));
  }

  resizeNow(cols: number, rows: number) {
    if (cols === this.term.cols && rows === this.term.rows) return;
    this.term.resize(cols, rows);
    this.version++;
  }

  /**
   * The screen and scrollback, serialized once per state: viewers resynchronised at the same moment
   * (a flood stalls many at once) share it instead of each paying for a full serialization.
   */
  screen(): string {
    if (this.screenCache?.version !== this.version) {
      this.screenCache = {
        version: this.version,
        data: this.serializer.serialize({ scrollback: SCROLLBACK_LINES }),
      };
    }
    return this.screenCache.data;
  }

  /**
   * The visible screen as output: clear, then draw it (no scrollback). Written onto a viewer's terminal
   * it shows what the window shows now; sent instead of the stream to viewers that cannot keep up.
   */
  viewportFrame(): Uint8Array {
    if (this.frameCache?.version !== this.version) {
      const text = FRAME_PREFIX + this.serializer.serialize({ scrollback: 0 });
      this.frameCache = { version: this.version, data: new TextEncoder().encode(text) };
    }
    return this.frameCache.data;
  }

  dispose() {
    this.disposed = true;
    this.term.dispose();
  }

  /** Queues a chunk for the headless terminal, counting what it has not parsed yet. */
  private feed(chunk: Uint8Array) {
    this.parsePending += chunk.length;
    hold(chunk);
    this.queue.push({ chunk });
    this.pump();
  }

  /**
   * Hands xterm up to SLICE_BYTES at a time and yields to the event loop between slices. xterm slices
   * its own parsing by the clock, but a Worker's clock stands still while it runs, so xterm would parse
   * its whole queue in one go (tens of ms in a flood) while acks, input and sends for every viewer wait.
   */
  private pump() {
    while (!this.busy && !this.disposed && this.queue.length) {
      const head = this.queue[0]!;
      if ('then' in head) {
        this.queue.shift();
        head.then();
        continue;
      }
      const slice: Uint8Array[] = [];
      let bytes = 0;
      for (let next = this.queue[0]; next && 'chunk' in next; next = this.queue[0]) {
        if (bytes && bytes + next.chunk.length > this.sliceBytes) break;
        slice.push(next.chunk);
        bytes += next.chunk.length;
        this.queue.shift();
      }
      this.busy = true;
      slice.forEach((chunk, i) =>
        this.term.write(chunk, () => {
          this.parsePending -= chunk.length;
          this.version++;
          release(chunk);
          if (i < slice.length - 1) return;
          setTimeout(() => {
            this.busy = false;
            this.pump();
          }, 0);
        }),
      );
    }
    if (!this.busy && this.lagging && this.parsePending === 0) this.catchUp();
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
   * Everything it was given is parsed. If nothing it skipped was lost, it gets the skipped bytes and
   * the screen is exact. Otherwise it is reset and fed the kept tail from its first line boundary: for
   * a flood (the case that gets here) the screen is the last rows of output. Trade-off: state set
   * before the tail (colours, modes, the alternate screen, cursor moves of a full-screen program) is
   * lost until the program redraws, and scrollback holds only the tail; viewers that were live all
   * along are unaffected (their own terminals parsed every byte).
   */
  private catchUp() {
    const parts = this.tail;
    const total = this.tailBytes;
    const trimmed = this.tailTrimmed;
    this.tail = [];
    this.tailBytes = 0;
    this.tailTrimmed = false;
    this.lagging = false;
    if (this.disposed) return releaseAll(parts);
    if (parts.length) {
      const whole = concat(parts, total);
      let bytes = whole;
      if (trimmed) {
        this.resets++;
        this.restoring = true;
        this.term.reset();
        this.version++;
        const nl = bytes.indexOf(0x0a);
        bytes = nl >= 0 ? bytes.subarray(nl + 1) : bytes;
      }
      // In slices, like the stream, so a 4 MiB tail does not hold the thread either.
      for (let at = 0; at < bytes.length; at += this.sliceBytes)
        this.feed(bytes.subarray(at, Math.min(bytes.length, at + this.sliceBytes)));
      release(whole);
      if (trimmed) this.barrier(() => (this.restoring = false));
    }
    this.events.caughtUp();
  }
}
