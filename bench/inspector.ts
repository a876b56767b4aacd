import WebSocket from 'ws';

/**
 * The Worker isolate's heap as V8 reports it, read over wrangler dev's inspector (Chrome DevTools
 * Protocol). This is the memory a Durable Object is held to in production (128 MB per isolate), unlike
 * the workerd process's RSS, which also holds the runtime's own buffers.
 */
export class IsolateInspector {
  private nextId = 1;
  private readonly waiting = new Map<number, (result: any) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      const done = msg.id !== undefined ? this.waiting.get(msg.id) : undefined;
      if (!done) return;
      this.waiting.delete(msg.id);
      done(msg.result ?? { error: msg.error });
    });
  }

  static async connect(port: number): Promise<IsolateInspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new IsolateInspector(ws);
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** MB: the JS heap in use and the ArrayBuffer backing stores (external memory), as of now. */
  async heap(): Promise<{ usedMB: number; backingMB: number; totalMB: number }> {
    const r = await this.call('Runtime.getHeapUsage');
    return {
      usedMB: (r.usedSize ?? 0) / 1048576,
      backingMB: (r.backingStorageSize ?? 0) / 1048576,
      totalMB: (r.totalSize ?? 0) / 1048576,
    };
  }

  close() {
    this.ws.terminate();
  }
}
