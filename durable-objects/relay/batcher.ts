import { concat, release } from './chunks';

/** Output is batched for at most this long (or the batch limit) after a frame went out at once. */
const BATCH_MS = 2;

/**
 * Coalesces a window's PTY output into fewer frames without delaying a keystroke's echo: output after a
 * quiet spell goes out at once, output that follows within BATCH_MS is batched up to `maxBytes()`.
 */
export class OutputBatcher {
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    /** Sends one chunk to everyone; the batcher releases it afterwards. */
    private readonly emit: (chunk: Uint8Array) => void,
    private readonly maxBytes: () => number,
  ) {}

  get heldBytes() {
    return this.batchBytes;
  }

  /** Takes over the caller's hold on `bytes`. */
  push(bytes: Uint8Array) {
    if (!this.timer) {
      // Nothing went out in the last BATCH_MS: send at once (a keystroke's echo), then batch a while.
      this.emitAndRelease(bytes);
      this.timer = setTimeout(() => this.onTimer(), BATCH_MS);
      return;
    }
    const max = this.maxBytes();
    if (bytes.length >= max / 2) {
      // Already a big frame (the VM host batches too): send it as is, after what is batched, no copy.
      this.flush();
      this.emitAndRelease(bytes);
      return;
    }
    this.batch.push(bytes);
    this.batchBytes += bytes.length;
    if (this.batchBytes >= max) this.flush();
  }

  flush() {
    if (!this.batchBytes) return;
    const chunk = concat(this.batch, this.batchBytes);
    this.batch = [];
    this.batchBytes = 0;
    this.emitAndRelease(chunk);
  }

  stop() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private emitAndRelease(chunk: Uint8Array) {
    this.emit(chunk);
    release(chunk);
  }

  private onTimer() {
    this.timer = null;
    if (this.batchBytes > 0) {
      this.flush();
      this.timer = setTimeout(() => this.onTimer(), BATCH_MS);
    }
  }
}
