// A child process of `npm run bench`: opens N viewers of one socket URL (the path, or the VM host for
// the baseline), acknowledges output like a real client, and reports, per viewer, the bytes received and
// the time the flood's end marker arrived. Spreading the viewers over several of these keeps the
// client side from being the bottleneck on a small machine.
//
// Messages (IPC): parent -> child { type: 'flood', marker }, { type: 'type', cmd }, { type: 'close' };
// child -> parent { type: 'ready' }, { type: 'armed' }, { type: 'typed', at },
// { type: 'done', results: [{ bytes, endAt, resyncs }] }; times on the shared wall clock
// (performance.timeOrigin + performance.now()).
import WebSocket from 'ws';
import { FLOW_ACK_EVERY_BYTES } from '../core/protocol';

interface Spec {
  url: string;
  headers: Record<string, string>;
  count: number;
  /** Path viewers acknowledge output (credit flow control); the baseline's VM host socket does not. */
  acks: boolean;
}

const now = () => performance.timeOrigin + performance.now();

class Viewer {
  bytes = 0;
  resyncs = 0;
  private unacked = 0;
  private tail = '';
  private marker: string | null = null;
  private onMarker: (() => void) | null = null;
  private startBytes = 0;

  constructor(
    readonly ws: WebSocket,
    private readonly acks: boolean,
  ) {
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) {
        const msg = JSON.parse(data.toString());
        if (msg.type === 'screen') {
          if (msg.reason === 'resync') this.resyncs++;
          this.check(String(msg.data).slice(-8192));
        }
        return;
      }
      this.bytes += data.length;
      if (this.acks) {
        this.unacked += data.length;
        if (this.unacked >= FLOW_ACK_EVERY_BYTES) {
          ws.send(JSON.stringify({ type: 'ack', bytes: this.unacked }));
          this.unacked = 0;
        }
      }
      const text = this.tail + data.toString('latin1', Math.max(0, data.length - 256));
      this.tail = text.slice(-64);
      this.check(text);
    });
  }

  private check(text: string) {
    if (this.marker && text.includes(this.marker)) {
      this.marker = null;
      this.onMarker?.();
    }
  }

  /** Resolves with { bytes since the call, when the marker arrived }. */
  waitFor(marker: string): Promise<{ bytes: number; endAt: number; resyncs: number }> {
    this.startBytes = this.bytes;
    const resyncsBefore = this.resyncs;
    return new Promise((resolve) => {
      this.marker = marker;
      this.onMarker = () =>
        resolve({ bytes: this.bytes - this.startBytes, endAt: now(), resyncs: this.resyncs - resyncsBefore });
    });
  }
}

async function main() {
  const spec = JSON.parse(process.argv[2]!) as Spec;
  const viewers: Viewer[] = [];
  for (let i = 0; i < spec.count; i++) {
    const ws = new WebSocket(spec.url, { headers: spec.headers, perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    viewers.push(new Viewer(ws, spec.acks));
  }
  process.on('message', async (msg: { type: string; marker?: string; cmd?: string }) => {
    if (msg.type === 'flood') {
      const done = Promise.all(viewers.map((v) => v.waitFor(msg.marker!)));
      process.send!({ type: 'armed' });
      process.send!({ type: 'done', results: await done });
    } else if (msg.type === 'type') {
      // This child's first viewer types the command (no extra socket on the session).
      const at = now();
      viewers[0]!.ws.send(Buffer.from(msg.cmd!), { binary: true });
      process.send!({ type: 'typed', at });
    } else if (msg.type === 'close') {
      for (const v of viewers) v.ws.terminate();
      process.exit(0);
    }
  });
  process.send!({ type: 'ready' });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
