import WebSocket from 'ws';
import xtermHeadless from '@xterm/headless';
import serializeAddon from '@xterm/addon-serialize';
import { FLOW_ACK_EVERY_BYTES, type TerminalServerMsg } from '../../core/protocol';

const { Terminal } = xtermHeadless as unknown as typeof import('@xterm/headless');
const { SerializeAddon } = serializeAddon as unknown as typeof import('@xterm/addon-serialize');

export interface TermClientOptions {
  headers?: Record<string, string>;
  /** Acknowledge output as it arrives (a healthy viewer). Off: a viewer that never reads. */
  autoAck?: boolean;
  /** Mirror the screen in a local headless terminal (tests); off for benchmarks. */
  mirror?: boolean;
}

/** A Node viewer of a terminal window speaking core/protocol: what the web client does, minus the UI. */
export class TermClient {
  readonly messages: TerminalServerMsg[] = [];
  /** Output since the last `screen` message, decoded. */
  text = '';
  bytes = 0;
  unacked = 0;
  readonly term?: InstanceType<typeof Terminal>;
  private readonly serializer?: InstanceType<typeof SerializeAddon>;
  private waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | null = null;
  onBinary?: (data: Buffer) => void;
  private readonly decoder = new TextDecoder();

  private constructor(
    readonly ws: WebSocket,
    private readonly opts: TermClientOptions,
  ) {
    if (opts.mirror !== false) {
      this.term = new Terminal({ cols: 80, rows: 24, scrollback: 2000, allowProposedApi: true });
      this.serializer = new SerializeAddon();
      this.term.loadAddon(this.serializer as never);
    }
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('close', (code, reason) => {
      this.closed ??= { code, reason: reason.toString() };
      this.wake();
    });
  }

  static open(url: string, opts: TermClientOptions = {}): Promise<TermClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: opts.headers, perMessageDeflate: false });
      const client = new TermClient(ws, { autoAck: true, ...opts });
      ws.once('open', () => {
        // workerd (wrangler dev) sends the close frame but leaves the TCP connection open, and `ws` only
        // emits 'close' once TCP ends (30 s later): take the close code from the frame itself.
        const receiver = (ws as unknown as { _receiver?: NodeJS.EventEmitter })._receiver;
        receiver?.on('conclude', (code: number, reason: Buffer) => {
          client.closed ??= { code, reason: reason.toString() };
          client.wake();
          setTimeout(() => ws.terminate(), 50);
        });
        resolve(client);
      });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          reject(
            Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body }),
          ),
        );
      });
      ws.once('error', reject);
    });
  }

  wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  private onMessage(data: Buffer, isBinary: boolean) {
    if (isBinary) {
      this.bytes += data.length;
      this.text += this.decoder.decode(data, { stream: true });
      if (this.text.length > 4_000_000) this.text = this.text.slice(-2_000_000);
      this.term?.write(data);
      this.onBinary?.(data);
      if (this.opts.autoAck) {
        this.unacked += data.length;
        if (this.unacked >= FLOW_ACK_EVERY_BYTES) this.ack();
      }
    } else {
      const msg = JSON.parse(data.toString()) as TerminalServerMsg;
      this.messages.push(msg);
      if (msg.type === 'screen') {
        this.text = '';
        if (this.term) {
          this.term.reset();
          this.term.resize(msg.cols, msg.rows);
          this.term.write(msg.data);
        }
      } else if (msg.type === 'size') {
        this.term?.resize(msg.cols, msg.rows);
      }
    }
    this.wake();
  }

  ack() {
    if (!this.unacked) return;
    this.sendJson({ type: 'ack', bytes: this.unacked });
    this.unacked = 0;
  }

  sendJson(msg: unknown) {
    this.ws.send(JSON.stringify(msg));
  }

  type(text: string | Buffer) {
    this.ws.send(typeof text === 'string' ? Buffer.from(text) : text, { binary: true });
  }

  resize(cols: number, rows: number) {
    this.sendJson({ type: 'resize', cols, rows });
  }

  /** Resolves when `pred` holds (checked on every frame), or rejects after `timeoutMs`. */
  async waitFor<T>(pred: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (this.closed && !pred()) throw new Error(`socket closed (${this.closed.code}) before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; output tail: ${JSON.stringify(this.text.slice(-300))}`,
        );
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  waitForText(needle: string | RegExp, timeoutMs = 10_000) {
    return this.waitFor(
      () => (typeof needle === 'string' ? this.text.includes(needle) : needle.test(this.text)),
      timeoutMs,
      `output ${needle}`,
    );
  }

  waitForMessage<K extends TerminalServerMsg['type']>(type: K, from = 0, timeoutMs = 10_000) {
    return this.waitFor(
      () =>
        this.messages.slice(from).find((m): m is Extract<TerminalServerMsg, { type: K }> => m.type === type),
      timeoutMs,
      `message ${type}`,
    );
  }

  /** The local mirror's screen, after everything received has been parsed. */
  async screen(): Promise<string> {
    if (!this.term || !this.serializer) throw new Error('no mirror');
    await new Promise<void>((r) => this.term!.write('', r));
    return this.serializer.serialize({ scrollback: 2000 });
  }

  close() {
    this.ws.close();
  }
}
