import { Agent, request } from 'node:http';

/** One thing the probes and the preview bench time: a URL, its headers (`host` too), its socket pool. */
export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  agent: Agent;
  /** The status it must answer (200 unless said); another one rejects. */
  expect?: number;
  method?: string;
}

/** One connection kept open: a sample times the request, not a TCP handshake. */
export const keepAliveAgent = () => new Agent({ keepAlive: true, maxSockets: 1 });

/** One request to `t.url` + `path`, timed until its body has all arrived. */
export function timed(t: Target, path = ''): Promise<{ ms: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(`${t.url}${path}`, { agent: t.agent, headers: t.headers, method: t.method ?? 'GET' });
    req.on('response', (res) => {
      let bytes = 0;
      res.on('data', (b: Buffer) => (bytes += b.length));
      res.on('end', () => {
        const status = res.statusCode!;
        if (status !== (t.expect ?? 200)) reject(new Error(`${t.name}: ${status}`));
        else resolve({ ms: performance.now() - started, bytes, status });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
