import { FLOW_RESUME_BYTES, flowWindowFor } from '../../core/protocol';
import { sendBytes, type Viewer } from './flow';
import type { ScreenMirror } from './mirror';

// A window with many viewers during a flood (docs/terminal-protocol.md, "Fan-out floods"): every byte is
// sent to each viewer, and that work is taken from reading the shell's output. A viewer that cannot keep
// up is shown the visible screen a few times a second instead of the stream (mosh's approach), until
// the flood is over or it tries the stream again.

/** More viewers than this make a fan-out (bigger batches, frames for viewers that fall behind). */
export const FANOUT_VIEWERS = 4;
/** How often a viewer on frames is shown the visible screen. */
const FRAME_MS = 40;
/** A viewer on frames tries the stream again after this long. */
const RETRY_LIVE_MS = 1000;
/** Each viewer's window during a fan-out flood: it moves to frames before a full window was sent. */
const FLOOD_FANOUT_WINDOW_BYTES = 256 * 1024;

/**
 * Output of at least FLOOD_BYTES within one FLOOD_WINDOW_MS (~1.3 MB/s) is a flood: far more than anyone
 * reads, and more than full-screen programs redraw (a 200x50 screen 60 times a second is ~600 KB/s).
 */
const FLOOD_BYTES = 64 * 1024;
const FLOOD_WINDOW_MS = 50;

/** Tells a flood (more output than anyone reads) from ordinary output, by the output's recent rate. */
class FloodMeter {
  private windowStart = 0;
  private windowBytes = 0;
  private seenAt = -Infinity;

  add(bytes: number, now = Date.now()) {
    if (now - this.windowStart >= FLOOD_WINDOW_MS) {
      this.windowStart = now;
      this.windowBytes = 0;
    }
    this.windowBytes += bytes;
    if (this.windowBytes >= FLOOD_BYTES) this.seenAt = now;
  }

  /** The output was a flood within the last FLOOD_WINDOW_MS. */
  active(now = Date.now()) {
    return now - this.seenAt < FLOOD_WINDOW_MS;
  }
}

export interface FanoutHost {
  readonly viewers: ReadonlyMap<string, Viewer>;
  readonly mirror: ScreenMirror;
  /** A full screen with scrollback, then the stream. */
  resync(v: Viewer): void;
}

export class FanoutFloods {
  private readonly flood = new FloodMeter();
  private timer: ReturnType<typeof setTimeout> | null = null;
  framesSent = 0;

  constructor(private readonly host: FanoutHost) {}

  get fanout() {
    return this.host.viewers.size > FANOUT_VIEWERS;
  }

  /** Output went out: it measures the flood. */
  output(bytes: number) {
    this.flood.add(bytes);
  }

  /**
   * Each viewer's credit window. During a flood with many viewers it is short, so a viewer that cannot
   * keep up moves to frames after 256 KiB rather than after a full window: with 50 viewers that is
   * ~40 MB fewer sends at the start of every flood, bytes nobody reads.
   */
  window() {
    const window = flowWindowFor(this.host.viewers.size);
    return this.fanout && this.flood.active() ? Math.min(window, FLOOD_FANOUT_WINDOW_BYTES) : window;
  }

  /**
   * A stalled viewer reads again. One of many viewers during a flood goes to frames (the stream would
   * stall it again at once); true when it did, else the caller resynchronises it.
   */
  takeToFrames(v: Viewer): boolean {
    const now = Date.now();
    if (!this.fanout || !this.flood.active(now)) return false;
    v.state = 'frames';
    v.framesSince = now;
    this.sendFrame(v);
    this.arm();
    return true;
  }

  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private sendFrame(v: Viewer) {
    if (!this.host.mirror.showable) return; // the next tick shows it
    const frame = this.host.mirror.viewportFrame();
    v.unacked += frame.length;
    this.framesSent++;
    sendBytes(v.ws, frame);
  }

  private arm() {
    this.timer ??= setTimeout(() => this.tick(), FRAME_MS);
  }

  private tick() {
    this.timer = null;
    const now = Date.now();
    const flooding = this.flood.active(now);
    let waiting = false;
    for (const v of this.host.viewers.values()) {
      if (v.state !== 'frames') continue;
      if (!flooding || now - v.framesSince > RETRY_LIVE_MS) {
        this.host.resync(v);
      } else {
        waiting = true;
        // It is reading its frames (little unacknowledged): the next one; else it skips this tick.
        if (v.unacked <= FLOW_RESUME_BYTES) this.sendFrame(v);
      }
    }
    if (waiting) this.arm();
  }
}
