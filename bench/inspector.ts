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

/** Module of each line of the bundle, from esbuild's `// path/to/module.ts` markers (the CPU probes). */
export function moduleIndex(source: string) {
  const marks: [number, string][] = [];
  source.split('\n').forEach((line, i) => {
    const m = /^\/\/ ((?:node_modules\/|worker\/|db\/|core\/|durable-objects\/)\S+)$/.exec(line);
    if (m) marks.push([i, m[1]!]);
  });
  return (line: number) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = '(runtime)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid]![0] <= line) {
        found = marks[mid]![1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found.replace(/^node_modules\/(\.pnpm\/)?((@[^/]+\/)?[^/]+).*$/, '$2');
  };
}
