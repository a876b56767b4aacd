import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { VmClient } from '../../core/vm';
import { PtyClient, until } from './helpers';

// A real server inside a VM: the test's own Node binary and the `ws` package, mounted read-only
// (`readonlyPaths`), run a small HTTP + WebSocket server there.

const NODE = realpathSync(process.execPath);
const WS = dirname(createRequire(import.meta.url).resolve('ws/package.json'));
export const VM_SERVER_PATHS = [dirname(NODE), WS];

const SCRIPT = `
const http = require('node:http');
const { WebSocketServer } = require(${JSON.stringify(WS)});
const [port, bind] = process.argv.slice(2);
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/headers') return res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
  if (url.pathname === '/stream') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\\n\\n');
    return setTimeout(() => res.end('data: second\\n\\n'), 600);
  }
  if (url.pathname === '/forever') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const tick = setInterval(() => res.write('data: tick\\n\\n'), 100);
    return res.on('close', () => clearInterval(tick));
  }
  if (url.pathname === '/big') {
    const chunk = Buffer.alloc(1 << 20, 97);
    let left = Number(url.searchParams.get('mb') || 1);
    res.writeHead(200, { 'content-length': left * chunk.length });
    const more = () => { while (left > 0) { left--; if (!res.write(chunk)) return res.once('drain', more); } res.end(); };
    return more();
  }
  if (url.pathname === '/cookies') {
    res.setHeader('set-cookie', ['app=1; Path=/', 'cw_preview=stolen; Path=/']);
    return res.end('ok');
  }
  if (req.method === 'POST') { let n = 0; req.on('data', (c) => (n += c.length)); return req.on('end', () => res.end('got ' + n)); }
  res.end('hello from port ' + port);
});
new WebSocketServer({ server }).on('connection', (ws, req) => {
  ws.send('welcome ' + req.url);
  ws.on('message', (m, binary) => ws.send(m, { binary }));
});
server.listen(Number(port), bind);
`;

/** Starts the server in a PTY session (an exec's background processes end with it); resolves once it listens. */
export async function startVmServer(c: VmClient, vmId: string, port: number, bind = '127.0.0.1') {
  await c.exec(vmId, { command: 'cat > /tmp/server.js', stdin: Buffer.from(SCRIPT).toString('base64') });
  const { url, headers } = c.ptyRequest(vmId, { exec: `exec ${NODE} /tmp/server.js ${port} ${bind}` });
  const pty = await PtyClient.open(url, headers);
  await until(
    async () => (await c.listPorts(vmId)).ports.some((p) => p.port === port),
    `port ${port} listening`,
  );
  return pty;
}
