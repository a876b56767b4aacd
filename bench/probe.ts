import WebSocket from 'ws';
import { FLOW_ACK_EVERY_BYTES } from '../core/protocol';
import { sleep } from './stats';

/** A viewer in this process: echo timing, pings for the relay's numbers, the first screen. */
export class Probe {
  private onBinary: (() => void) | null = null;
  private onText: ((msg: any) => void)[] = [];
  private unacked = 0;
  constructor(
    readonly ws: WebSocket,
    private readonly acks: boolean,
  ) {
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) {
        const msg = JSON.parse(data.toString());
        for (const l of this.onText) l(msg);
        return;
      }
      if (this.acks) {
        this.unacked += data.length;
        if (this.unacked >= FLOW_ACK_EVERY_BYTES) {
          ws.send(JSON.stringify({ type: 'ack', bytes: this.unacked }));
          this.unacked = 0;
        }
      }
      const l = this.onBinary;
      this.onBinary = null;
      l?.();
    });
  }

  static open(url: string, headers: Record<string, string>, acks: boolean): Promise<Probe> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false });
      const p = new Probe(ws, acks);
      ws.once('open', () => resolve(p));
      ws.once('error', reject);
    });
  }

  type(s: string) {
    this.ws.send(Buffer.from(s), { binary: true });
  }

  /** Round trip of one keystroke to the next output frame. */
  keystroke(ch: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      // A bench that waits forever says nothing: fail loudly instead.
      const timer = setTimeout(() => reject(new Error(`no echo of ${JSON.stringify(ch)} within 5 s`)), 5000);
      this.onBinary = () => {
        clearTimeout(timer);
        resolve(performance.now() - started);
      };
      this.type(ch);
    });
  }

  next(type: string, timeoutMs = 30_000): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${type} message within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const l = (msg: any) => {
        if (msg.type !== type) return;
        clearTimeout(timer);
        this.onText = this.onText.filter((x) => x !== l);
        resolve(msg);
      };
      this.onText.push(l);
    });
  }

  close() {
    this.ws.terminate();
  }
}

/** Keystroke echo: one character at a time at the prompt, round trip to its echo. */
export async function echo(v: Pick<Probe, 'type' | 'keystroke'>, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 50 === 0) {
      v.type('\x15'); // Ctrl-U: keep the line short
      await sleep(50);
    }
    samples.push(await v.keystroke(String.fromCharCode(97 + (i % 26))));
    await sleep(2); // a typist, not a burst: each keystroke finds the relay idle
  }
  v.type('\x15');
  await sleep(50);
  return samples;
}
