import WebSocket from 'ws';
import { FLOW_ACK_EVERY_BYTES } from '../../core/protocol';
import type { Client } from './client';
import type { Report } from './report';

// Hostile viewers on a terminal socket: a flood of small frames, bad frames, a 2x1 size.

interface Viewer {
  ws: WebSocket;
  texts: { type: string; [k: string]: unknown }[];
  onOutput: ((chunk: string) => void) | undefined;
  closed: number | null;
}

function open(url: string, headers: Record<string, string>): Promise<Viewer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const v: Viewer = { ws, texts: [], onOutput: undefined, closed: null };
    let unacked = 0;
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) return void v.texts.push(JSON.parse(data.toString()));
      v.onOutput?.(data.toString());
      unacked += data.length;
      if (unacked >= FLOW_ACK_EVERY_BYTES) {
        ws.send(JSON.stringify({ type: 'ack', bytes: unacked }));
        unacked = 0;
      }
    });
    ws.on('close', (code) => (v.closed = code));
    ws.once('open', () => resolve(v));
    ws.once('error', reject);
    setTimeout(() => reject(new Error('terminal socket did not open in 20 s')), 20_000).unref();
  });
}

const until = async (ok: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return ok();
};

/** Time from typing a marker to seeing it echoed. */
async function echoMs(v: Viewer, marker: string): Promise<number | null> {
  let seen = false;
  v.onOutput = (chunk) => (seen ||= chunk.includes(marker));
  const started = performance.now();
  v.ws.send(Buffer.from(marker), { binary: true });
  const ok = await until(() => seen, 5000);
  v.onOutput = undefined;
  return ok ? performance.now() - started : null;
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)] ?? NaN;

async function echoSample(v: Viewer, n: number) {
  const samples: number[] = [];
  let lost = 0;
  for (let i = 0; i < n; i++) {
    const ms = await echoMs(v, String.fromCharCode(97 + (i % 26)));
    if (ms === null) lost++;
    else samples.push(ms);
    await new Promise((r) => setTimeout(r, 50));
  }
  v.ws.send(Buffer.from('\u0015'), { binary: true }); // Ctrl-U: clear what was typed
  return { p50: pct(samples, 0.5), p99: pct(samples, 0.99), lost };
}

export async function terminalChecks(c: Client, report: Report, s: { cookie: string; workspaceId: string }) {
  const check = report.section('Terminal sockets');
  const headers = { cookie: s.cookie, origin: c.origin };
  const win = async () =>
    (await c.call(`/api/workspaces/${s.workspaceId}/terminals`, { cookie: s.cookie, body: {} })).json
      .windowId as string;
  const socketUrl = (windowId: string, size = 'cols=80&rows=24') =>
    `${c.origin.replace(/^http/, 'ws')}/api/workspaces/${s.workspaceId}/terminals/${windowId}?${size}`;
  const [winA, winB] = [await win(), await win()];
  const a = await open(socketUrl(winA), headers);
  const b = await open(socketUrl(winB), headers);
  await until(() => b.texts.some((m) => m.type === 'screen'), 20_000);
  await new Promise((r) => setTimeout(r, 1000)); // the prompt
  const before = await echoSample(b, 20);

  // Viewer A: 5,000 small frames a second for 2 s, while B types.
  const floodEnd = Date.now() + 2000;
  let sent = 0;
  const flood = (async () => {
    while (Date.now() < floodEnd && a.closed === null && a.ws.readyState === WebSocket.OPEN) {
      for (let i = 0; i < 50; i++) a.ws.send(JSON.stringify({ type: 'ping' }));
      sent += 50;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const duringHealth = c.call('/api/health');
  const during = await echoSample(b, 20);
  await flood;
  const health = await duringHealth;
  check(
    "one viewer's flood (5,000 frames/s) keeps another's echo within tens of ms",
    during.p99 < 100 && during.lost === 0,
    `B echo p50/p99 ${before.p50.toFixed(1)}/${before.p99.toFixed(1)} ms before, ${during.p50.toFixed(1)}/${during.p99.toFixed(1)} ms during (${sent} frames sent, ${during.lost} echoes lost)`,
  );
  check('/api/health stays 200 during the flood', health.status === 200, `${health.status} ${health.text}`);
  const limited = a.texts.some((m) => m.type === 'error' && m.code === 'rate_limited');
  check(
    'the flooding socket is told rate_limited (and closed 1008 if it goes on)',
    limited,
    `rate_limited: ${limited}, closed: ${a.closed}`,
  );
  a.ws.terminate();

  const bad = await open(socketUrl(winA), headers);
  await until(() => bad.texts.some((m) => m.type === 'screen'), 20_000);
  const baseline = bad.texts.length;
  for (let i = 0; i < 50; i++) bad.ws.send('this is not json');
  await new Promise((r) => setTimeout(r, 1000));
  const replies = bad.texts.slice(baseline).filter((m) => m.type === 'error').length;
  check('50 bad frames get at most a few replies', replies <= 5, `${replies} error replies`);
  bad.ws.terminate();

  const tiny = await open(socketUrl(winB, 'cols=2&rows=1'), headers);
  await until(() => tiny.texts.some((m) => m.type === 'screen' || m.type === 'size'), 10_000);
  await new Promise((r) => setTimeout(r, 500));
  const sizes = tiny.texts.filter((m) => m.type === 'screen' || m.type === 'size');
  const last = sizes.at(-1) as { cols?: number; rows?: number } | undefined;
  check(
    'a 2x1 viewer does not shrink the shared window below a sane minimum',
    !!last && (last.cols ?? 0) >= 20 && (last.rows ?? 0) >= 5,
    last ? `window ${last.cols}x${last.rows}` : 'no size seen',
  );
  tiny.ws.terminate();
  b.ws.terminate();
}
