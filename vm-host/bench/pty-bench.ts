// Measures PTY keystroke echo latency and flood throughput against an in-process VM host.
// Run: npx tsx vm-host/bench/pty-bench.ts [MiB of /dev/zero to base64, default 256]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createVmClient, toWebSocketUrl } from '../../core/vm';
import { startVmHost } from '../src/server';

const mib = Number(process.argv[2] ?? 256);
const dataDir = mkdtempSync(join(tmpdir(), 'vm-host-bench-'));
const apiKey = 'bench';
const host = await startVmHost({ port: 0, dataDir, apiKey, log: () => undefined });
const c = createVmClient({ baseUrl: host.url, apiKey });
const vm = await c.createVm();

function connect(opts: Parameters<typeof c.ptyRequest>[1]): Promise<WebSocket> {
  const { url, headers } = c.ptyRequest(vm.id, opts);
  const ws = new WebSocket(toWebSocketUrl(url), { headers });
  return new Promise((ok, fail) => {
    ws.once('message', () => ok(ws));
    ws.once('error', fail);
  });
}

// Echo: readline echoes each typed character; time from send to the first output frame.
const shell = await connect({});
await new Promise((r) => setTimeout(r, 500));
const samples: number[] = [];
for (let i = 0; i < 300; i++) {
  const t0 = process.hrtime.bigint();
  await new Promise<void>((r) => {
    shell.once('message', () => r());
    shell.send(Buffer.from(i % 50 === 49 ? '\x15' : 'x'), { binary: true });
  });
  samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  await new Promise((r) => setTimeout(r, 2));
}
samples.sort((a, b) => a - b);
const q = (p: number) => samples[Math.floor(p * (samples.length - 1))]!.toFixed(3);
console.log(`echo round trip (ms): p50 ${q(0.5)}  p95 ${q(0.95)}  p99 ${q(0.99)}  max ${q(1)}`);
shell.close();

// Flood: everything a command prints, through the PTY, the batching and the socket, until it exits.
const t0 = Date.now();
let bytes = 0;
let frames = 0;
const rssBefore = process.memoryUsage().rss;
let rssMax = rssBefore;
const flood = await connect({ exec: `head -c ${mib}M /dev/zero | base64` });
await new Promise<void>((r) =>
  flood.on('message', (d, isBinary) => {
    if (isBinary) {
      bytes += (d as Buffer).length;
      frames++;
      if (frames % 256 === 0) rssMax = Math.max(rssMax, process.memoryUsage().rss);
    } else if (String(d).includes('exited')) r();
  }),
);
const secs = (Date.now() - t0) / 1000;
console.log(
  `flood: ${(bytes / 1e6).toFixed(0)} MB in ${secs.toFixed(2)} s = ${(bytes / 1e6 / secs).toFixed(0)} MB/s, ` +
    `${frames} frames (avg ${(bytes / frames / 1024).toFixed(1)} KiB), rss +${((rssMax - rssBefore) / 1e6).toFixed(0)} MB`,
);
flood.close();
await host.close();
rmSync(dataDir, { recursive: true, force: true });
