import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';

// `wrangler dev` runs two workerd processes: one holds wrangler's dev ProxyWorker on the dev port
// (every request goes through a Durable Object and a fetch: about 1 ms a pass on a quiet machine),
// the other the Worker itself on a port workerd picks anew at every reload
// (`--socket-addr=entry=127.0.0.1:0`). Production has no such proxy. This finds that second port
// from /proc (Linux) and relays a stable port to it, re-resolved when a reload moved it: the VM
// host's forward-auth call (asked before every preview request) takes it instead of the dev port.

const stat = (pid: string) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
const cmdline = (pid: string) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');

function processes(): { pid: string; ppid: string; cmd: string }[] {
  const out: { pid: string; ppid: string; cmd: string }[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      out.push({ pid, ppid: stat(pid)[1]!, cmd: cmdline(pid) });
    } catch {
      // gone
    }
  }
  return out;
}

/** The TCP ports a process listens on (IPv4). */
export function listeningPorts(pid: string): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const line of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] === '0A' && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(':')[1]!, 16));
  }
  return ports;
}

/**
 * The Worker's own address behind the `wrangler dev` on `devPort`: a listening port of the user-worker
 * workerd beside the one serving `devPort` that `isWorker` accepts (the others are its inspector
 * and debug port). Null while there is none (starting, reloading).
 */
export async function findUserWorker(
  devPort: number,
  isWorker: (url: string) => Promise<boolean>,
): Promise<string | null> {
  const all = processes();
  const proxy = all.find(
    (p) => p.cmd.includes('workerd') && p.cmd.includes(`--socket-addr=entry=127.0.0.1:${devPort} `),
  );
  if (!proxy) return null;
  for (const p of all) {
    if (p.ppid !== proxy.ppid || p.pid === proxy.pid || !p.cmd.includes('--socket-addr=entry=127.0.0.1:0 '))
      continue;
    for (const port of (() => {
      try {
        return listeningPorts(p.pid);
      } catch {
        return [];
      }
    })()) {
      const url = `http://127.0.0.1:${port}`;
      if (await isWorker(url).catch(() => false)) return url;
    }
  }
  return null;
}

/** Our Worker answers its health route (workerd's inspector and debug port do not). */
export async function isOurWorker(url: string): Promise<boolean> {
  const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
  const body = (await res.json().catch(() => null)) as { ok?: unknown; vmHost?: unknown } | null;
  return typeof body?.ok === 'boolean' && body.vmHost !== undefined;
}

/**
 * A stable local port relayed byte for byte to where `find` says the Worker is (findUserWorker). A
 * connection waits, unread, until it is found; a refused connection (a reload moved it) looks again.
 */
export function startWorkerRelay(opts: {
  port: number;
  find: () => Promise<string | null>;
  waitMs?: number;
}): Promise<Server> {
  let target: Promise<URL | null> | undefined;
  const resolve = async () => {
    const deadline = Date.now() + (opts.waitMs ?? 30_000);
    for (;;) {
      const url = await opts.find().catch(() => null);
      if (url || Date.now() > deadline) return url ? new URL(url) : null;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const attach = async (client: Socket, retried = false) => {
    const t = await (target ??= resolve());
    if (!t) {
      target = undefined;
      return client.destroy();
    }
    const up = connect({ host: t.hostname, port: Number(t.port) });
    up.setNoDelay(true);
    const refused = (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED' && !retried && !client.destroyed) {
        target = undefined; // reloaded: look again; the client's bytes still wait unread
        return void attach(client, true);
      }
      client.destroy();
    };
    up.once('error', refused);
    up.once('connect', () => {
      up.off('error', refused);
      up.on('error', () => client.destroy());
      client.on('error', () => up.destroy());
      client.once('close', () => up.destroy());
      up.once('close', () => client.destroy());
      client.pipe(up);
      up.pipe(client);
      client.resume();
    });
  };
  const server = createServer({ pauseOnConnect: true, noDelay: true }, (client) => void attach(client));
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port, '127.0.0.1', () => res(server));
  });
}
