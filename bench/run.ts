// `npm run bench`: the terminal path (client -> wrangler dev Worker -> WorkspaceRoom -> VM host PTY)
// side by side with the baseline (client directly on the VM host's PTY WebSocket), on loopback.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { FLOW_ACK_EVERY_BYTES } from '../core/protocol';
import { startTestStack } from '../test/stack/harness';

const FLOOD_MB = Number(process.env.BENCH_FLOOD_MB ?? 256);
const FANOUT_VIEWERS = Number(process.env.BENCH_FANOUT ?? 50);
const FANOUT_MB = Number(process.env.BENCH_FANOUT_MB ?? 32);
const ECHO_SAMPLES = Number(process.env.BENCH_ECHO ?? 400);

/** A minimal viewer of either socket: counts bytes, acks (path), finds a marker in the stream. */
class Viewer {
  bytes = 0;
  private unacked = 0;
  private tail = '';
  private listeners: ((chunk: string) => void)[] = [];
  screenAt = 0;
  resyncs = 0;
  constructor(
    readonly ws: WebSocket,
    private readonly acks: boolean,
  ) {
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) {
        const msg = JSON.parse(data.toString());
        if (msg.type === 'screen') {
          if (!this.screenAt) this.screenAt = performance.now();
          if (msg.reason === 'resync') this.resyncs++;
          // A resynchronised viewer may find the end of a flood in its fresh screen.
          const text = String(msg.data).slice(-4096);
          for (const l of this.listeners) l(text);
        }
        return;
      }
      this.bytes += data.length;
      if (this.acks) {
        this.unacked += data.length;
        if (this.unacked >= FLOW_ACK_EVERY_BYTES) {
          ws.send(JSON.stringify({ type: 'ack', bytes: this.unacked }));
          this.unacked = 0;
        }
      }
      const text = this.tail + data.toString('latin1', Math.max(0, data.length - 256));
      this.tail = text.slice(-64);
      for (const l of this.listeners) l(text);
    });
  }

  static open(url: string, headers: Record<string, string>, acks: boolean): Promise<Viewer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false });
      const v = new Viewer(ws, acks);
      ws.once('open', () => resolve(v));
      ws.once('error', reject);
    });
  }

  waitFor(marker: string, timeoutMs = 180_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout waiting for ${marker}`)), timeoutMs);
      const l = (text: string) => {
        if (text.includes(marker)) {
          clearTimeout(t);
          this.listeners = this.listeners.filter((x) => x !== l);
          resolve(performance.now());
        }
      };
      this.listeners.push(l);
    });
  }

  type(s: string) {
    this.ws.send(Buffer.from(s), { binary: true });
  }

  close() {
    this.ws.terminate();
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]) => pct(xs, 50);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keystroke echo: one character at a time at the prompt, round trip to its echo. */
async function echo(v: Viewer): Promise<number[]> {
  const samples: number[] = [];
  let marker = 0;
  for (let i = 0; i < ECHO_SAMPLES; i++) {
    if (i % 50 === 0) {
      v.type('\x15'); // Ctrl-U: keep the line short
      await sleep(20);
    }
    const ch = String.fromCharCode(97 + (marker++ % 26));
    const before = v.bytes;
    const started = performance.now();
    v.type(ch);
    await new Promise<void>((resolve) => {
      const check = () => (v.bytes > before ? resolve() : setImmediate(check));
      check();
    });
    samples.push(performance.now() - started);
  }
  v.type('\x15');
  return samples;
}

let floodNo = 0;
/** Output `mb` MB through the terminal; returns MB/s as each viewer saw it. */
async function flood(typer: Viewer, viewers: Viewer[], mb: number) {
  const n = ++floodNo;
  const marker = `FLOOD-${n * 7}-DONE`;
  // base64 of mb*3/4 MB of zeros: mb MB of printable output, 76-column lines.
  const cmd = `head -c ${Math.round((mb * 1024 * 1024 * 3) / 4)} /dev/zero | base64 -w 76; echo FLOOD-$((${n}*7))-DONE\r`;
  const before = viewers.map((v) => v.bytes);
  const done = viewers.map((v) => v.waitFor(marker));
  const started = performance.now();
  typer.type(cmd);
  const ends = await Promise.all(done);
  return viewers.map((v, i) => (v.bytes - before[i]!) / 1024 / 1024 / ((ends[i]! - started) / 1000));
}

/** RSS (MB) of the workerd processes under this one. */
function workerdRssMb(): number {
  const parent = new Map<number, number>();
  const cmd = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      cmd.set(Number(d), readFileSync(`/proc/${d}/cmdline`, 'utf8'));
    } catch {
      // gone
    }
  }
  const mine = (pid: number) => {
    for (let p = pid, i = 0; p > 1 && i < 20; p = parent.get(p) ?? 0, i++) if (p === process.pid) return true;
    return false;
  };
  let kb = 0;
  for (const [pid, c] of cmd) {
    if (!c.includes('workerd') || !mine(pid)) continue;
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) kb += Number(m[1]);
  }
  return kb / 1024;
}

async function main() {
  console.log('starting the stack (Postgres, VM host, wrangler dev)...');
  const t = await startTestStack();
  try {
    const { user, workspace } = await t.runningWorkspace();
    const headers = { cookie: user.cookie, origin: t.stack.url };
    const wsBase = t.stack.url.replace(/^http/, 'ws');
    const newWindow = async () =>
      (await t.call(`/api/workspaces/${workspace.id}/terminals`, { cookie: user.cookie, body: {} })).json
        .windowId as string;
    const pathUrl = (w: string) => `${wsBase}/api/workspaces/${workspace.id}/terminals/${w}?cols=200&rows=50`;
    let baseNo = 0;
    const baseUrl = () =>
      `${t.stack.vmHostUrl.replace(/^http/, 'ws')}/v5/vms/${workspace.freestyleVmId}/pty?slug=bench-base-${++baseNo}&cols=200&rows=50`;
    const baseHeaders = { Authorization: `Bearer ${t.stack.vmHostApiKey}` };
    const settle = () => sleep(500);

    // ---- echo
    console.log('echo...');
    const pathWin = await newWindow();
    const pv = await Viewer.open(pathUrl(pathWin), headers, true);
    await settle();
    const bv = await Viewer.open(baseUrl(), baseHeaders, false);
    await settle();
    const echoPath = await echo(pv);
    const echoBase = await echo(bv);

    // ---- throughput + memory
    console.log(`flood ${FLOOD_MB} MB, baseline...`);
    const [baseMBs] = await flood(bv, [bv], FLOOD_MB);
    await settle();
    console.log(`flood ${FLOOD_MB} MB, path...`);
    const rssBefore = workerdRssMb();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, workerdRssMb())), 200);
    const [pathMBs] = await flood(pv, [pv], FLOOD_MB);
    clearInterval(sampler);
    await settle();

    // ---- fan-out
    console.log(`fan-out: ${FANOUT_VIEWERS} viewers, ${FANOUT_MB} MB...`);
    const fanWin = await newWindow();
    const fan: Viewer[] = [];
    for (let i = 0; i < FANOUT_VIEWERS; i++) fan.push(await Viewer.open(pathUrl(fanWin), headers, true));
    await sleep(1500);
    const [single] = await flood(pv, [pv], FANOUT_MB);
    await settle();
    const fanRates = await flood(fan[0]!, fan, FANOUT_MB);
    for (const v of fan) v.close();

    // ---- paused -> first byte
    console.log('paused -> first byte...');
    const resumeMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await t.call(`/api/workspaces/${workspace.id}/pause`, {
        cookie: user.cookie,
        method: 'POST',
      });
      if (r.status !== 200) throw new Error(`pause: ${r.status}`);
      const started = performance.now();
      const v = await Viewer.open(pathUrl(pathWin), headers, true);
      while (!v.screenAt) await sleep(1);
      resumeMs.push(v.screenAt - started);
      v.close();
      await settle();
    }
    pv.close();
    bv.close();

    const results = {
      at: new Date().toISOString(),
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      echoMs: {
        path: { p50: median(echoPath), p99: pct(echoPath, 99) },
        baseline: { p50: median(echoBase), p99: pct(echoBase, 99) },
      },
      throughputMBs: { floodMB: FLOOD_MB, path: pathMBs, baseline: baseMBs, ratio: pathMBs! / baseMBs! },
      fanout: {
        viewers: FANOUT_VIEWERS,
        floodMB: FANOUT_MB,
        singleViewerMBs: single,
        perViewerMBs: { min: Math.min(...fanRates), median: median(fanRates) },
        ratioMin: Math.min(...fanRates) / single!,
        resyncs: fan.reduce((n, v) => n + v.resyncs, 0),
      },
      pausedToFirstByteMs: { median: median(resumeMs), max: Math.max(...resumeMs), samples: resumeMs },
      relayMemoryMB: { workerdRssBefore: rssBefore, workerdRssPeak: rssPeak, growth: rssPeak - rssBefore },
    };

    const f = (n: number) => n.toFixed(2);
    const rows = [
      ['measure', 'path', 'baseline', 'ratio / note'],
      [
        'echo p50 (ms)',
        f(results.echoMs.path.p50),
        f(results.echoMs.baseline.p50),
        `+${f(results.echoMs.path.p50 - results.echoMs.baseline.p50)} ms (target <= +1)`,
      ],
      ['echo p99 (ms)', f(results.echoMs.path.p99), f(results.echoMs.baseline.p99), ''],
      [
        `throughput ${FLOOD_MB} MB (MB/s)`,
        f(pathMBs!),
        f(baseMBs!),
        `${f(results.throughputMBs.ratio)}x (target >= 0.8)`,
      ],
      [
        `fan-out ${FANOUT_VIEWERS}x${FANOUT_MB} MB, min/median per viewer (MB/s)`,
        `${f(results.fanout.perViewerMBs.min)} / ${f(results.fanout.perViewerMBs.median)}`,
        `single ${f(single!)}`,
        `${f(results.fanout.ratioMin)}x (target >= 0.8); ${results.fanout.resyncs} resyncs`,
      ],
      [
        'paused -> first byte (ms)',
        `median ${f(median(resumeMs))}, max ${f(Math.max(...resumeMs))}`,
        '',
        'target <= 250',
      ],
      [
        'relay memory, workerd RSS (MB)',
        `${f(rssBefore)} -> peak ${f(rssPeak)}`,
        '',
        `+${f(rssPeak - rssBefore)} MB (target < 64)`,
      ],
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
    const dir = join(process.cwd(), 'bench/results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `terminal-${results.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2));
    console.log(`\nwrote ${file}`);
  } finally {
    await t.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
