import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';

// A socket belongs to the network namespace it was created in, so a tiny Node process inside the VM's
// namespace connects to 127.0.0.1:<port> there and hands the connected socket back over IPC: the host
// then reads and writes it directly, with no relay hop. Paused before connect so no byte is read twice.
const PROGRAM = `
const net = require('node:net');
process.on('message', ({ id, port }) => {
  const tryHost = (hosts) => {
    const s = net.connect({ port, host: hosts[0] });
    s.pause();
    s.once('connect', () => process.send({ id, ok: true }, s));
    s.once('error', (e) => {
      s.destroy();
      if (hosts.length > 1 && e.code === 'ECONNREFUSED') tryHost(hosts.slice(1));
      else process.send({ id, ok: false, code: e.code || 'ERROR' });
    });
  };
  tryHost(['127.0.0.1', '::1']);
});
process.on('disconnect', () => process.exit(0));
`;

interface Reply {
  id: number;
  ok: boolean;
  code?: string;
}

export class ConnectError extends Error {
  constructor(
    readonly port: number,
    readonly code: string,
  ) {
    super(`nothing accepts connections on port ${port} (${code})`);
  }
}

/** Connects to ports inside one network namespace (`prefix` enters it, e.g. `nsenter --net=...`). */
export class Connector {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { ok(s: Socket): void; fail(e: Error): void; port: number }>();

  constructor(private readonly prefix: string[]) {}

  private start(): ChildProcess {
    const [file, ...args] = [...this.prefix, process.execPath, '-e', PROGRAM];
    const child = spawn(file!, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: {} });
    child.on('message', (m: Reply, handle) => {
      const w = this.waiting.get(m.id);
      if (!w) return void (handle as Socket | undefined)?.destroy();
      this.waiting.delete(m.id);
      if (m.ok && handle) w.ok(handle as Socket);
      else w.fail(new ConnectError(w.port, m.code ?? 'ERROR'));
    });
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
      for (const w of this.waiting.values()) w.fail(new ConnectError(w.port, 'CONNECTOR_EXITED'));
      this.waiting.clear();
    });
    child.on('error', () => undefined);
    return child;
  }

  connect(port: number, timeoutMs = 10_000): Promise<Socket> {
    this.child ??= this.start();
    const id = this.nextId++;
    return new Promise<Socket>((ok, fail) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        fail(new ConnectError(port, 'ETIMEDOUT'));
      }, timeoutMs);
      this.waiting.set(id, {
        port,
        ok: (s) => {
          clearTimeout(timer);
          s.setNoDelay(true);
          ok(s);
        },
        fail: (e) => {
          clearTimeout(timer);
          fail(e);
        },
      });
      this.child!.send({ id, port });
    });
  }

  close() {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}
