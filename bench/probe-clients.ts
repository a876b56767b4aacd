// Probe: how fast can this machine's client side receive a fan-out, with no relay at all? A plain
// Node WebSocket server streams the same output to N viewers (the bench's viewer processes), as fast
// as each socket drains. If this ceiling is below N x the single-viewer rate, no relay can reach it.
import { WebSocketServer, type WebSocket } from 'ws';
import { flood, Group, runAndExit } from './groups';

const VIEWERS = Number(process.env.BENCH_FANOUT ?? 50);
const PROCS = Number(process.env.BENCH_FANOUT_PROCS ?? 5);
const MB = Number(process.env.BENCH_FANOUT_MB ?? 32);
const FRAME = 64 * 1024;

async function main() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  const port = (wss.address() as { port: number }).port;
  const clients = new Set<WebSocket>();
  // One 64 KiB frame of base64-like lines, sent again and again.
  const line = Buffer.from('A'.repeat(76) + '\r\n');
  const frame = Buffer.concat(Array(Math.ceil(FRAME / line.length)).fill(line)).subarray(0, FRAME);
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (data, binary) => {
      if (!binary) return; // acks
      const cmd = data.toString();
      const n = /\$\(\((\d+)\*7\)\)/.exec(cmd)?.[1];
      const total = Number(/head -c (\d+)/.exec(cmd)?.[1] ?? 0) * (4 / 3);
      if (!n || !total) return;
      const marker = Buffer.from(`\r\nFLOOD-${Number(n) * 7}-DONE\r\n`);
      for (const c of clients) stream(c, total, marker);
    });
  });
  function stream(ws: WebSocket, total: number, marker: Buffer) {
    let sent = 0;
    const pump = () => {
      while (sent < total && ws.bufferedAmount < 4 * FRAME) {
        ws.send(frame, { binary: true });
        sent += frame.length;
      }
      if (sent < total) setTimeout(pump, 1);
      else ws.send(marker, { binary: true });
    };
    pump();
  }
  const url = `ws://127.0.0.1:${port}/`;
  const groups: Group[] = [];
  try {
    for (const n of [1, VIEWERS]) {
      const mine: Group[] = [];
      const procs = Math.min(n, PROCS);
      for (let i = 0; i < procs; i++) {
        const g = await Group.start(url, {}, Math.floor(n / procs) + (i < n % procs ? 1 : 0), false);
        mine.push(g);
        groups.push(g);
      }
      const r = await flood(mine, MB);
      const rates = r.rates.sort((a, b) => a - b);
      console.log(
        `${n} viewers x ${MB} MB, no relay: ${r.seconds.toFixed(2)} s, per viewer min ${rates[0]!.toFixed(1)} median ${rates[rates.length >> 1]!.toFixed(1)} MB/s, aggregate ${rates.reduce((a, b) => a + b, 0).toFixed(0)} MB/s`,
      );
      for (const g of mine) g.close();
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    for (const g of groups) g.close();
    wss.close();
  }
}

runAndExit(main);
