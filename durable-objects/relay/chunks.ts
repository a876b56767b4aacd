// Output chunks are freed by the relay the moment its last holder is done with them.
//
// Every frame from the PTY arrives as a fresh ArrayBuffer whose memory lives outside V8's heap. V8
// collects those late: during a 256 MB flood the room's isolate held 100-165 MB of them, dead but not
// collected, and workerd's RSS grew by ~300 MB. Detaching a buffer with `transfer(0)` frees its memory
// at once, so the relay counts who holds each chunk (the emulator's queue, a viewer's pending output,
// the emulator's tail, the batch) and frees it when the count reaches zero. `ws.send` copies, so a sent
// chunk needs no hold. Views of one buffer share its count.

type Transferable = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer; detached?: boolean };

const holds = new WeakMap<ArrayBufferLike, number>();

/** One more holder of this chunk's memory. */
export function hold(chunk: Uint8Array): void {
  holds.set(chunk.buffer, (holds.get(chunk.buffer) ?? 0) + 1);
}

/** A holder is done with it; the last one frees it. Whoever makes a chunk holds it first. */
export function release(chunk: Uint8Array): void {
  const left = (holds.get(chunk.buffer) ?? 0) - 1;
  if (left > 0) {
    holds.set(chunk.buffer, left);
    return;
  }
  holds.delete(chunk.buffer);
  const buffer = chunk.buffer as Transferable;
  if (buffer instanceof ArrayBuffer && !buffer.detached && typeof buffer.transfer === 'function') {
    buffer.transfer(0);
  }
}

/** Releases every chunk of a list (a dropped queue). */
export function releaseAll(chunks: Uint8Array[]): void {
  for (const c of chunks) release(c);
}

/** One held chunk of held parts: the parts are released (a single part is passed on as it is). */
export function concat(parts: Uint8Array[], total: number): Uint8Array {
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
