/** Keeps the last `capacity` bytes written, as a list of chunks (no copy on push). */
export class ByteRing {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(readonly capacity: number) {}

  push(chunk: Buffer) {
    if (chunk.length >= this.capacity) {
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.capacity))];
      this.size = this.capacity;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.capacity) {
      const head = this.chunks[0]!;
      const excess = this.size - this.capacity;
      if (head.length <= excess) {
        this.chunks.shift();
        this.size -= head.length;
      } else {
        this.chunks[0] = head.subarray(excess);
        this.size -= excess;
      }
    }
  }

  snapshot(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }

  get length() {
    return this.size;
  }
}
