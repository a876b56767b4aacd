// `npm run bench`: the terminal path (client -> wrangler dev Worker -> WorkspaceRoom -> VM host PTY)
// side by side with the baseline (client directly on the VM host's PTY WebSocket), on loopback.
//
// Every throughput figure is measured the same way: viewers live in child processes (bench/viewers.ts),
// acknowledge output like a real client, and time the flood from the keystroke that starts it to the
// end marker. The fan-out's 50 viewers are spread over BENCH_FANOUT_PROCS processes so the client side
// is not the bottleneck; its reference is one viewer measured exactly like them. Echo is timed from the
// keystroke to the socket's next binary frame (event-driven, no polling). Timings stay out of tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { FLOW_ACK_EVERY_BYTES } from '../core/protocol';
import { startTestStack } from '../test/stack/harness';
import { flood, Group, runAndExit } from './groups';
import { freePort } from '../scripts/local/ports';
import { IsolateInspector } from './inspector';
import { directRuntimeUrl } from './runtime-port';
import { workerdRssMb } from './rss';
import { startFlooder } from './flooder';
import { BENCH_LIMITS } from './limits';
import { SshProbe } from './ssh-probe';
import { measureCrashDetection } from './health';
import { benchPreviews, previewRows } from './previews';
import { benchScp, scpRows } from './scp';
import { benchSetup, setupRows } from './setup';
import { VM_SERVER_PATHS } from '../vm-host/test/vm-server';

const FLOOD_MB = Number(process.env.BENCH_FLOOD_MB ?? 256);
const FANOUT_VIEWERS = Number(process.env.BENCH_FANOUT ?? 50);
const FANOUT_PROCS = Number(process.env.BENCH_FANOUT_PROCS ?? 5);
const FANOUT_MB = Number(process.env.BENCH_FANOUT_MB ?? 32);
const FANOUT_ROUNDS = Number(process.env.BENCH_FANOUT_ROUNDS ?? 5);
const ECHO_SAMPLES = Number(process.env.BENCH_ECHO ?? 400);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]) => pct(xs, 50);

/** A viewer in this process: echo timing, pings for the relay's numbers, the first screen. */
class Probe {
  private onBinary: (() => void) | null = null;
  private onText: ((msg: any) => void)[] = [];
  private unacked = 0;
  constructor(
    readonly ws: WebSocket,
    private readonly acks: boolean,
  ) {
    ws.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) {
        const msg = JSON.parse(data.toString());
        for (const l of this.onText) l(msg);
        return;
      }
      if (this.acks) {
        this.unacked += data.length;
        if (this.unacked >= FLOW_ACK_EVERY_BYTES) {
          ws.send(JSON.stringify({ type: 'ack', bytes: this.unacked }));
          this.unacked = 0;
        }
      }
      const l = this.onBinary;
      this.onBinary = null;
      l?.();
    });
  }

  static open(url: string, headers: Record<string, string>, acks: boolean): Promise<Probe> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false });
      const p = new Probe(ws, acks);
      ws.once('open', () => resolve(p));
      ws.once('error', reject);
    });
  }

  type(s: string) {
    this.ws.send(Buffer.from(s), { binary: true });
  }

  /** Round trip of one keystroke to the next output frame. */
  keystroke(ch: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      // A bench that waits forever says nothing: fail loudly instead.
      const timer = setTimeout(() => reject(new Error(`no echo of ${JSON.stringify(ch)} within 5 s`)), 5000);
      this.onBinary = () => {
        clearTimeout(timer);
        resolve(performance.now() - started);
      };
      this.type(ch);
    });
  }

  next(type: string, timeoutMs = 30_000): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${type} message within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const l = (msg: any) => {
        if (msg.type !== type) return;
        clearTimeout(timer);
        this.onText = this.onText.filter((x) => x !== l);
        resolve(msg);
      };
      this.onText.push(l);
    });
  }

  close() {
    this.ws.terminate();
  }
}

/** Keystroke echo: one character at a time at the prompt, round trip to its echo. */
async function echo(v: Pick<Probe, 'type' | 'keystroke'>, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 50 === 0) {
      v.type('\x15'); // Ctrl-U: keep the line short
      await sleep(50);
    }
    samples.push(await v.keystroke(String.fromCharCode(97 + (i % 26))));
    await sleep(2); // a typist, not a burst: each keystroke finds the relay idle
  }
  v.type('\x15');
  await sleep(50);
  return samples;
}

async function main() {
  console.log('starting the stack (Postgres, VM host, wrangler dev)...');
  // RELAY_STATS: `ping` answers carry the window's relay numbers (what the relay holds).
  // The inspector reads the Worker isolate's heap: the memory a Durable Object is held to in production.
  const inspectorPort = await freePort();
  const t = await startTestStack({
    extraVars: { RELAY_STATS: '1', ...BENCH_LIMITS },
    inspectorPort,
    readonlyPaths: VM_SERVER_PATHS,
  });
  const inspector = await IsolateInspector.connect(inspectorPort);
  const groups: Group[] = [];
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
    const settle = () => sleep(1000);
    const group = async (url: string, h: Record<string, string>, count: number, acks: boolean) => {
      const g = await Group.start(url, h, count, acks);
      groups.push(g);
      return g;
    };

    // ---- echo (event-driven), path and baseline interleaved in blocks so both see the same machine
    console.log('echo...');
    const echoWin = await newWindow();
    const pv = await Probe.open(pathUrl(echoWin), headers, true);
    await pv.next('screen');
    const bv = await Probe.open(baseUrl(), baseHeaders, false);
    // The same path minus wrangler dev's proxy Worker (a hop production does not have).
    const direct = await directRuntimeUrl(t.stack.url);
    const dv = direct
      ? await Probe.open(
          `${direct.replace(/^http/, 'ws')}/api/workspaces/${workspace.id}/terminals/${await newWindow()}?cols=200&rows=50`,
          headers,
          true,
        )
      : null;
    if (dv) await dv.next('screen');
    // The same person over SSH: the gateway straight into a PTY of the VM (no Worker, no room).
    const access = (await t.call(`/api/workspaces/${workspace.id}/ssh`, { cookie: user.cookie, body: {} }))
      .json;
    const sv = await SshProbe.open(access.host, access.port, access.user);
    await settle();
    const echoSsh: number[] = [];
    const echoPath: number[] = [];
    const echoDirect: number[] = [];
    const echoBase: number[] = [];
    // Four blocks each, alternating; the first keystrokes of a block warm up and are not counted.
    const perBlock = Math.ceil(ECHO_SAMPLES / 4) + 5;
    for (let block = 0; block < 4; block++) {
      echoPath.push(...(await echo(pv, perBlock)).slice(5));
      if (dv) echoDirect.push(...(await echo(dv, perBlock)).slice(5));
      echoBase.push(...(await echo(bv, perBlock)).slice(5));
      echoSsh.push(...(await echo(sv, perBlock)).slice(5));
    }
    bv.close();
    sv.close();
    dv?.close();

    // ---- echo while another viewer of the same window sends 5,000 frames a second
    console.log('echo while another viewer floods...');
    const flooder = startFlooder(pathUrl(echoWin), headers, 5_000);
    await sleep(300);
    const floodStarted = performance.now();
    const echoFlooded = (await echo(pv, 205)).slice(5);
    const floodStats = flooder.stop();
    const floodSeconds = (performance.now() - floodStarted + 300) / 1000;
    await settle();

    // ---- throughput: baseline, then path with relay memory
    console.log(`flood ${FLOOD_MB} MB, baseline...`);
    const baseGroup = await group(baseUrl(), baseHeaders, 1, false);
    await settle();
    const base = await flood([baseGroup], FLOOD_MB);
    baseGroup.close();
    await settle();

    console.log(`flood ${FLOOD_MB} MB, path...`);
    const floodWin = await newWindow();
    const pathGroup = await group(pathUrl(floodWin), headers, 1, true);
    // A viewer that never acknowledges: it stalls after one window and costs the relay nothing, and
    // answers pings with the relay's numbers during the flood.
    const statsProbe = await Probe.open(pathUrl(floodWin), headers, false);
    await settle();
    const rssBefore = workerdRssMb();
    let rssPeak = rssBefore;
    const isolateMB = async () => {
      const h = await inspector.heap();
      return h.usedMB + h.backingMB;
    };
    const isolateBefore = await isolateMB();
    let isolatePeak = isolateBefore;
    const relay = {
      heldPeak: 0,
      parsePendingPeak: 0,
      viewerPendingPeak: 0,
      catchUps: 0,
      resets: 0,
      samples: 0,
    };
    statsProbe.ws.on('message', (data: Buffer, binary: boolean) => {
      if (binary) return;
      const msg = JSON.parse(data.toString());
      if (msg.type !== 'pong' || !msg.relay) return;
      relay.samples++;
      relay.heldPeak = Math.max(relay.heldPeak, msg.relay.heldBytes);
      relay.parsePendingPeak = Math.max(relay.parsePendingPeak, msg.relay.parsePending);
      for (const v of msg.relay.viewers)
        relay.viewerPendingPeak = Math.max(relay.viewerPendingPeak, v.pendingBytes);
      relay.catchUps = msg.relay.catchUps;
      relay.resets = msg.relay.emulatorResets;
    });
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, workerdRssMb());
      void isolateMB().then((mb) => (isolatePeak = Math.max(isolatePeak, mb)));
      statsProbe.ws.send(JSON.stringify({ type: 'ping' }));
    }, 200);
    const path = await flood([pathGroup], FLOOD_MB);
    clearInterval(sampler);
    await settle();
    const rssAfter = workerdRssMb();
    statsProbe.close();
    pathGroup.close();

    // ---- fan-out: one viewer (the reference), then FANOUT_VIEWERS viewers over FANOUT_PROCS processes
    console.log(
      `fan-out: 1 viewer, then ${FANOUT_VIEWERS} viewers in ${FANOUT_PROCS} processes, ${FANOUT_MB} MB...`,
    );
    const singleGroup = await group(pathUrl(await newWindow()), headers, 1, true);
    const fanWin = await newWindow();
    const fan: Group[] = [];
    for (let i = 0; i < FANOUT_PROCS; i++) {
      const n = Math.floor(FANOUT_VIEWERS / FANOUT_PROCS) + (i < FANOUT_VIEWERS % FANOUT_PROCS ? 1 : 0);
      if (n > 0) fan.push(await group(pathUrl(fanWin), headers, n, true));
    }
    await sleep(2000);
    // The machine is noisy: the pair (one viewer, then all of them) runs FANOUT_ROUNDS times and the
    // round with the median ratio is reported, with every round's ratio beside it.
    const rounds: { single: Awaited<ReturnType<typeof flood>>; fanout: Awaited<ReturnType<typeof flood>> }[] =
      [];
    for (let r = 0; r < FANOUT_ROUNDS; r++) {
      const single = await flood([singleGroup], FANOUT_MB);
      await settle();
      const fanout = await flood(fan, FANOUT_MB);
      await settle();
      rounds.push({ single, fanout });
    }
    const roundRatio = (x: (typeof rounds)[number]) =>
      Math.min(...x.fanout.completion) / x.single.completion[0]!;
    const roundRatios = rounds.map(roundRatio);
    const { single, fanout } = [...rounds].sort((a, b) => roundRatio(a) - roundRatio(b))[
      Math.floor(rounds.length / 2)
    ]!;
    singleGroup.close();
    for (const g of fan) g.close();
    await settle();

    // ---- paused -> first screen (event-driven)
    console.log('paused -> first screen...');
    const resumeMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await t.call(`/api/workspaces/${workspace.id}/pause`, {
        cookie: user.cookie,
        method: 'POST',
      });
      if (r.status !== 200) throw new Error(`pause: ${r.status}`);
      const started = performance.now();
      const ws = new WebSocket(pathUrl(echoWin), { headers, perMessageDeflate: false });
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (data: Buffer, binary: boolean) => {
          if (!binary && JSON.parse(data.toString()).type === 'screen') resolve();
        });
        ws.once('error', reject);
      });
      resumeMs.push(performance.now() - started);
      ws.terminate();
      await settle();
    }
    pv.close();

    console.log('preview URLs...');
    const previews = await benchPreviews(t, user, workspace);
    const scp = await benchScp(t, user, workspace);

    console.log('crash detection...');
    const crash = await measureCrashDetection(t);

    console.log('setup and prebuilds...');
    const setup = await benchSetup(t);

    const singleRate = single.rates[0]!;
    const singleDone = single.completion[0]!;
    const results = {
      at: new Date().toISOString(),
      previews,
      scpMBs: scp,
      setup,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memGB: Math.round(totalmem() / 1e9),
        node: process.version,
        note: 'one shared machine runs Postgres, the VM host, workerd and every client',
      },
      echoMs: {
        samples: echoPath.length,
        path: { p50: median(echoPath), p99: pct(echoPath, 99) },
        pathWithoutDevProxy: echoDirect.length ? { p50: median(echoDirect), p99: pct(echoDirect, 99) } : null,
        baseline: { p50: median(echoBase), p99: pct(echoBase, 99) },
        sshGateway: { p50: median(echoSsh), p99: pct(echoSsh, 99) },
        whileAnotherViewerFloods: {
          p50: median(echoFlooded),
          p99: pct(echoFlooded, 99),
          framesPerSecondSent: floodStats.frames / floodSeconds,
          floodSockets: floodStats.sockets,
          closedWith: [...new Set(floodStats.closedWith)],
        },
      },
      throughputMBs: {
        floodMB: FLOOD_MB,
        path: path.rates[0]!,
        baseline: base.rates[0]!,
        ratio: path.rates[0]! / base.rates[0]!,
        pathResyncs: path.resyncs,
      },
      fanout: {
        viewers: FANOUT_VIEWERS,
        processes: fan.length,
        floodMB: FANOUT_MB,
        singleViewerMBs: singleRate,
        perViewerMBs: {
          min: Math.min(...fanout.rates),
          median: median(fanout.rates),
          max: Math.max(...fanout.rates),
        },
        ratioMin: Math.min(...fanout.rates) / singleRate,
        ratioMedian: median(fanout.rates) / singleRate,
        resyncs: fanout.resyncs,
        aggregateMBs: fanout.rates.reduce((a, b) => a + b, 0),
        receivedMB: { min: Math.min(...fanout.received), median: median(fanout.received) },
        // The flood's MB over the time until each viewer's terminal shows its end (see bench/groups.ts).
        completion: {
          singleViewerMBs: singleDone,
          min: Math.min(...fanout.completion),
          median: median(fanout.completion),
          ratioMin: Math.min(...fanout.completion) / singleDone,
          ratioMedian: median(fanout.completion) / singleDone,
          roundRatiosMin: roundRatios,
        },
      },
      pausedToFirstScreenMs: { median: median(resumeMs), max: Math.max(...resumeMs), samples: resumeMs },
      crashDetectedMs: crash,
      relayMemory: {
        workerdRssBeforeMB: rssBefore,
        workerdRssPeakMB: rssPeak,
        workerdRssAfterMB: rssAfter,
        workerdRssGrowthMB: rssPeak - rssBefore,
        isolateBeforeMB: isolateBefore,
        isolatePeakMB: isolatePeak,
        isolateGrowthMB: isolatePeak - isolateBefore,
        relayHeldPeakMB: relay.heldPeak / 1048576,
        emulatorBacklogPeakMB: relay.parsePendingPeak / 1048576,
        viewerQueuePeakMB: relay.viewerPendingPeak / 1048576,
        emulatorCatchUps: relay.catchUps,
        emulatorResets: relay.resets,
        statsSamples: relay.samples,
      },
    };

    const f = (n: number) => n.toFixed(2);
    const rm = results.relayMemory;
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
        'echo p50 / p99 over the SSH gateway (ms)',
        `${f(results.echoMs.sshGateway.p50)} / ${f(results.echoMs.sshGateway.p99)}`,
        `path ${f(results.echoMs.path.p50)} / ${f(results.echoMs.path.p99)}`,
        `${results.echoMs.sshGateway.p50 - results.echoMs.path.p50 >= 0 ? '+' : ''}${f(results.echoMs.sshGateway.p50 - results.echoMs.path.p50)} ms vs the terminal socket (goal <= +1)`,
      ],
      ...(results.echoMs.pathWithoutDevProxy
        ? [
            [
              'echo p50 / p99 without the dev proxy (ms)',
              `${f(results.echoMs.pathWithoutDevProxy.p50)} / ${f(results.echoMs.pathWithoutDevProxy.p99)}`,
              `${f(results.echoMs.baseline.p50)} / ${f(results.echoMs.baseline.p99)}`,
              `+${f(results.echoMs.pathWithoutDevProxy.p50 - results.echoMs.baseline.p50)} ms: the room's own cost (no wrangler proxy hop)`,
            ],
          ]
        : []),
      [
        'echo p50 / p99 while another viewer sends 5,000 frames/s (ms)',
        `${f(results.echoMs.whileAnotherViewerFloods.p50)} / ${f(results.echoMs.whileAnotherViewerFloods.p99)}`,
        `quiet ${f(results.echoMs.path.p50)} / ${f(results.echoMs.path.p99)}`,
        `${f(results.echoMs.whileAnotherViewerFloods.p50 / results.echoMs.path.p50)}x p50; flooder sent ${Math.round(results.echoMs.whileAnotherViewerFloods.framesPerSecondSent)}/s over ${floodStats.sockets} sockets, closed with ${results.echoMs.whileAnotherViewerFloods.closedWith.join(', ')}`,
      ],
      [
        `throughput ${FLOOD_MB} MB (MB/s)`,
        f(path.rates[0]!),
        f(base.rates[0]!),
        `${f(results.throughputMBs.ratio)}x (target >= 0.8)`,
      ],
      [
        `fan-out ${FANOUT_VIEWERS}x${FANOUT_MB} MB, output to the end on screen, per viewer min / median (MB/s)`,
        `${f(results.fanout.completion.min)} / ${f(results.fanout.completion.median)}`,
        `1 viewer ${f(singleDone)}`,
        `${f(results.fanout.completion.ratioMin)}x / ${f(results.fanout.completion.ratioMedian)}x (target >= 0.8); median of ${rounds.length} rounds (min ratio ${roundRatios.map(f).join(', ')}); ${fanout.resyncs} resyncs`,
      ],
      [
        `fan-out ${FANOUT_VIEWERS}x${FANOUT_MB} MB, bytes received, per viewer min / median (MB/s)`,
        `${f(results.fanout.perViewerMBs.min)} / ${f(results.fanout.perViewerMBs.median)}`,
        `1 viewer ${f(singleRate)}`,
        `${f(results.fanout.ratioMin)}x / ${f(results.fanout.ratioMedian)}x; median ${f(results.fanout.receivedMB.median)} MB received, the rest skipped (visible-screen frames, resyncs); ${fan.length} client processes`,
      ],
      [
        'paused -> first screen (ms)',
        `median ${f(median(resumeMs))}, max ${f(Math.max(...resumeMs))}`,
        '',
        'target <= 250',
      ],
      [
        "VM's processes killed -> vm_crashed, a viewer connected (ms)",
        f(crash.productMs),
        `VM host knows ${f(crash.vmHostMs)}`,
        `${f(crash.productMs / crash.vmHostMs)}x, +${f(crash.productMs - crash.vmHostMs)} ms (target <= 10000); median of ${crash.rounds.product.length}`,
      ],
      [
        `relay-held output during the ${FLOOD_MB} MB flood (MB)`,
        `peak ${f(rm.relayHeldPeakMB)}`,
        '',
        `emulator backlog peak ${f(rm.emulatorBacklogPeakMB)}, viewer queue peak ${f(rm.viewerQueuePeakMB)}, ${rm.emulatorCatchUps} catch-ups (${rm.emulatorResets} from a trimmed tail)`,
      ],
      [
        'Worker isolate: JS heap + ArrayBuffers (MB)',
        `${f(rm.isolateBeforeMB)} -> peak ${f(rm.isolatePeakMB)}`,
        '',
        `+${f(rm.isolateGrowthMB)} MB (target < 64)`,
      ],
      [
        'workerd RSS (MB)',
        `${f(rssBefore)} -> peak ${f(rssPeak)} (after ${f(rssAfter)})`,
        '',
        `+${f(rssPeak - rssBefore)} MB (the whole local runtime)`,
      ],
    ];
    rows.push(...previewRows(previews, f));
    rows.push(...scpRows(scp, path.rates[0]!, f));
    rows.push(...setupRows(setup, f));
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
    const dir = join(process.cwd(), 'bench/results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `terminal-${results.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2));
    console.log(`\nwrote ${file}`);
  } finally {
    inspector.close();
    for (const g of groups) g.close();
    await t.stop();
  }
}

runAndExit(main);
