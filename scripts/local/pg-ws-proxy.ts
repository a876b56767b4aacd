import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { HttpSql } from './http-sql';

export { HTTP_SQL_APPLICATION } from './http-sql';

export interface PgWsProxy {
  /** `host:port`, the form `neonConfig.wsProxy` expects; `http://<address>/sql` is the HTTP path. */
  address: string;
  /** Round trips seen so far (also `GET /stats`). */
  stats(): RoundTrips;
  close(): Promise<void>;
}

/**
 * Round trips the Worker made to the database, as the wire shows them. A WebSocket connection costs
 * its upgrade (`connections`) plus the startup and password exchange (`setupFlights`); each time the
 * client speaks after the server did is one more (`queryFlights`); each HTTP query or batch is one
 * (`httpRequests`). Setup is what a pooled path (Hyperdrive) saves; statements it does not.
 */
export interface RoundTrips {
  connections: number;
  setupFlights: number;
  queryFlights: number;
  httpRequests: number;
  /** connections + setupFlights + queryFlights + httpRequests */
  total: number;
}

/**
 * What Neon runs in front of Postgres in production, for local use: each WebSocket is one Postgres
 * connection, its binary frames the TCP stream; `POST /sql` is Neon's HTTP query path (one query, or a
 * batch run as one transaction). It only ever connects to the one database it serves. `latencyMs`
 * delays every answer (the upgrade, each server flight, each HTTP response) by a fixed time, so a
 * loopback stack pays what a Worker far from its database pays per round trip.
 */
export async function startPgWsProxy(opts: {
  target: { host: string; port: number };
  port?: number;
  latencyMs?: number;
}) {
  const wss = new WebSocketServer({ noServer: true });
  const { host, port } = opts.target;
  const latency = Math.max(0, opts.latencyMs ?? 0);
  const allowed = new Set([`${host}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]);
  const counts = { connections: 0, setupFlights: 0, queryFlights: 0, httpRequests: 0 };
  const stats = (): RoundTrips => ({
    ...counts,
    total: counts.connections + counts.setupFlights + counts.queryFlights + counts.httpRequests,
  });
  const later = (fn: () => void) => (latency ? setTimeout(fn, latency) : fn());
  const http = new HttpSql(opts.target, allowed);

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET' && path === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats()));
    } else if (req.method === 'POST' && path === '/sql') {
      counts.httpRequests++;
      void http
        .handle(req)
        .then(({ status, body }) =>
          later(() =>
            res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
          ),
        );
    } else res.writeHead(426).end('WebSocket only');
  });
  server.on('upgrade', (req, socket, head) => {
    const address = new URL(req.url ?? '/', 'http://x').searchParams.get('address') ?? '';
    if (!allowed.has(address)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    counts.connections++;
    later(() => wss.handleUpgrade(req, socket, head, (ws) => pipe(ws, host, port, counts, later)));
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const { port: listening } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${listening}`,
    stats,
    close: () =>
      new Promise<void>((r) => {
        for (const ws of wss.clients) ws.terminate();
        void http.close();
        server.close(() => r());
      }),
  } satisfies PgWsProxy;
}

function pipe(
  ws: WebSocket,
  host: string,
  port: number,
  counts: { setupFlights: number; queryFlights: number },
  later: (fn: () => void) => void,
) {
  const tcp = connect({ host, port });
  tcp.setNoDelay(true);
  const pending: Buffer[] = [];
  let connected = false;
  // Who spoke last, and whether the server has said ReadyForQuery yet (the end of the startup).
  let clientTurn = false;
  let ready = false;
  const server = new MessageScanner(() => (ready = true));
  tcp.on('connect', () => {
    connected = true;
    for (const chunk of pending.splice(0)) tcp.write(chunk);
  });
  ws.on('message', (data: Buffer) => {
    // Terminate ('X') waits for no answer: a goodbye is not a round trip.
    const goodbye = data.length === 5 && data[0] === 0x58;
    if (!clientTurn && !goodbye) {
      clientTurn = true;
      if (ready) counts.queryFlights++;
      else counts.setupFlights++;
    }
    if (connected) tcp.write(data);
    else pending.push(data);
  });
  tcp.on('data', (chunk) => {
    clientTurn = false;
    server.scan(chunk);
    later(() => ws.readyState === ws.OPEN && ws.send(chunk));
  });
  ws.on('close', () => tcp.destroy());
  ws.on('error', () => tcp.destroy());
  tcp.on('close', () => later(() => ws.close()));
  tcp.on('error', () => ws.terminate());
}

/** Finds the first ReadyForQuery ('Z') in the server's stream of `type, int32 length, body` messages. */
class MessageScanner {
  private header = Buffer.alloc(0);
  private skip = 0;
  private done = false;
  constructor(private readonly onReady: () => void) {}

  scan(chunk: Buffer) {
    let i = 0;
    while (!this.done && i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const need = 5 - this.header.length;
      this.header = Buffer.concat([this.header, chunk.subarray(i, i + need)]);
      i += Math.min(need, chunk.length - i);
      if (this.header.length < 5) return;
      if (this.header[0] === 0x5a) {
        this.done = true;
        this.onReady();
      }
      this.skip = this.header.readInt32BE(1) - 4;
      this.header = Buffer.alloc(0);
    }
  }
}
