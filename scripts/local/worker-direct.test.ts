import { once } from 'node:events';
import { createServer, request, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './ports';
import { startWorkerRelay } from './worker-direct';

// The relay the VM host's forward-auth calls take past wrangler's dev proxy: it must follow the Worker
// to its new port when a reload moves it, without a failed request.

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function server(name: string) {
  const s = createServer((req, res) => res.end(`${name} ${req.method} ${req.url}`));
  servers.push(s);
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return { s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

function get(port: number, path: string, agent?: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('worker relay', () => {
  it('relays to the Worker and follows it to its new port after a reload', async () => {
    const a = await server('a');
    let where: string | null = a.url;
    const port = await freePort();
    const relay = await startWorkerRelay({ port, find: async () => where });
    servers.push(relay as unknown as Server);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await get(port, '/api/preview/forward-auth', agent)).toBe('a GET /api/preview/forward-auth');
    expect(await get(port, '/again', agent)).toBe('a GET /again'); // the kept-alive connection
    // A reload: the old runtime goes away, the new one listens elsewhere.
    a.s.closeAllConnections();
    a.s.close();
    const b = await server('b');
    where = b.url;
    await new Promise((r) => setTimeout(r, 100)); // the relay closed the client's kept-alive socket
    expect(await get(port, '/after', agent)).toBe('b GET /after');
    agent.destroy();
  });

  it('holds a connection while the Worker is not found yet, and closes it if it never is', async () => {
    let where: string | null = null;
    const port = await freePort();
    const relay = await startWorkerRelay({ port, find: async () => where, waitMs: 1500 });
    servers.push(relay as unknown as Server);
    const pending = get(port, '/late');
    const b = await server('b');
    setTimeout(() => (where = b.url), 300);
    expect(await pending).toBe('b GET /late');
    where = null;
    b.s.closeAllConnections();
    b.s.close();
    await expect(get(port, '/never')).rejects.toThrow();
  });
});
