import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { workerdPids } from './rss';

/**
 * wrangler dev puts a proxy Worker (its own workerd process) in front of the Worker being developed:
 * every request and WebSocket frame crosses one more loopback hop than it would in production. This
 * finds the URL of the runtime that runs our Worker, behind that proxy: the listening sockets of the
 * workerd processes other than the one serving `proxyUrl`, probed for our health route.
 */
export async function directRuntimeUrl(proxyUrl: string): Promise<string | null> {
  const proxyPort = Number(new URL(proxyUrl).port);
  const listening = new Map<string, number>(); // socket inode -> port
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] !== '0A') continue; // LISTEN
    const [addr, port] = f[1]!.split(':');
    if (addr !== '0100007F') continue; // 127.0.0.1
    listening.set(f[9]!, parseInt(port!, 16));
  }
  const candidates: number[] = [];
  for (const pid of workerdPids()) {
    let ports: number[] = [];
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = (() => {
          try {
            return readlinkSync(`/proc/${pid}/fd/${fd}`);
          } catch {
            return '';
          }
        })();
        const m = /^socket:\[(\d+)\]$/.exec(link);
        const port = m ? listening.get(m[1]!) : undefined;
        if (port) ports.push(port);
      }
    } catch {
      continue;
    }
    if (ports.includes(proxyPort)) continue;
    candidates.push(...ports);
  }
  for (const port of candidates) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as { ok?: boolean; vmHost?: string };
      if (body && typeof body.ok === 'boolean' && body.vmHost) return `http://127.0.0.1:${port}`;
    } catch {
      // not ours (the inspector, the debug port)
    }
  }
  return null;
}
