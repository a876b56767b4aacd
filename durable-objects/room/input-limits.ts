// A terminal socket's input budget. One viewer sending thousands of frames a second must not slow the
// others' echo or the room: each socket gets a token bucket for frames and for bytes. Past it, frames
// are dropped, the socket is told once (`rate_limited`), and if it goes on it is closed with 1008.
// Kept in memory per socket: a room that hibernates starts every socket with a full bucket again.

const MiB = 1024 * 1024;

export const INPUT_LIMITS = {
  /** Typing is tens of frames a second; a 1 MiB paste is 64 frames; acks are a few hundred a second. */
  framesPerSecond: 400,
  frameBurst: 800,
  bytesPerSecond: 4 * MiB,
  byteBurst: 8 * MiB,
  /** Still over the budget this long after being told: the socket is closed. */
  closeAfterMs: 1_000,
  /** Malformed frames are answered this many times, then dropped in silence. */
  badFrameReplies: 3,
  /** A socket's heartbeats reach storage and the database at most this often. */
  heartbeatEveryMs: 5_000,
} as const;

export type InputVerdict = 'ok' | 'drop' | 'warn' | 'close';

export class InputMeter {
  private frames: number = INPUT_LIMITS.frameBurst;
  private bytes: number = INPUT_LIMITS.byteBurst;
  private at: number;
  /** The start of the current stretch of dropped frames, and the last drop. */
  private limitedSince = 0;
  private lastDropAt = -Infinity;
  private warned = false;
  private badReplies = 0;
  private lastHeartbeatAt = -Infinity;

  constructor(now: number) {
    this.at = now;
  }

  /** Charges one frame of `size` bytes. */
  take(size: number, now: number): InputVerdict {
    const dt = Math.max(0, now - this.at) / 1000;
    this.at = now;
    this.frames = Math.min(INPUT_LIMITS.frameBurst, this.frames + dt * INPUT_LIMITS.framesPerSecond);
    this.bytes = Math.min(INPUT_LIMITS.byteBurst, this.bytes + dt * INPUT_LIMITS.bytesPerSecond);
    if (this.frames >= 1 && this.bytes >= size) {
      this.frames -= 1;
      this.bytes -= size;
      return 'ok';
    }
    // A drop after a quiet second starts a new stretch (judged afresh, but not warned again).
    if (now - this.lastDropAt > INPUT_LIMITS.closeAfterMs) this.limitedSince = now;
    this.lastDropAt = now;
    if (!this.warned) {
      this.warned = true;
      return 'warn';
    }
    return now - this.limitedSince >= INPUT_LIMITS.closeAfterMs ? 'close' : 'drop';
  }

  /** Whether a malformed frame still gets an answer. */
  answerBadFrame(): boolean {
    return this.badReplies++ < INPUT_LIMITS.badFrameReplies;
  }

  /** Whether this heartbeat should reach storage and the database. */
  heartbeatDue(now: number): boolean {
    if (now - this.lastHeartbeatAt < INPUT_LIMITS.heartbeatEveryMs) return false;
    this.lastHeartbeatAt = now;
    return true;
  }
}
