import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface PgWsProxy {
  /** `host:port`, the form `neonConfig.wsProxy` expects. */
  address: string;
  close(): Promise<void>;
}

/**
 * What Neon runs in front of Postgres in production, for local use: each WebSocket is one Postgres
 * connection, its binary frames the TCP stream. It only ever connects to the one database it serves.
 */
export async function startPgWsProxy(opts: { target: { host: string; port: number }; port?: number }) {
  const wss = new WebSocketServer({ noServer: true });
  const { host, port } = opts.target;
  const allowed = new Set([`${host}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]);

  const server = createServer((_req, res) => res.writeHead(426).end('WebSocket only'));
  server.on('upgrade', (req, socket, head) => {
    const address = new URL(req.url ?? '/', 'http://x').searchParams.get('address') ?? '';
    if (!allowed.has(address)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => pipe(ws, host, port));
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const { port: listening } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${listening}`,
    close: () =>
      new Promise<void>((r) => {
        for (const ws of wss.clients) ws.terminate();
        server.close(() => r());
      }),
  } satisfies PgWsProxy;
}

function pipe(ws: WebSocket, host: string, port: number) {
  const tcp = connect({ host, port });
  tcp.setNoDelay(true);
  const pending: Buffer[] = [];
  let connected = false;
  tcp.on('connect', () => {
    connected = true;
    for (const chunk of pending.splice(0)) tcp.write(chunk);
  });
  ws.on('message', (data: Buffer) => (connected ? tcp.write(data) : pending.push(data)));
  tcp.on('data', (chunk) => ws.send(chunk));
  ws.on('close', () => tcp.destroy());
  ws.on('error', () => tcp.destroy());
  tcp.on('close', () => ws.close());
  tcp.on('error', () => ws.terminate());
}
