// Probe: where the CPU goes while one window fans out to many viewers. Runs a single-viewer flood and
// then BENCH_FANOUT viewers (BENCH_FANOUT_PROCS processes), printing per-viewer MB/s and CPU seconds
// per process kind for each.
import { BENCH_LIMITS } from './limits';
import { startTestStack } from '../test/stack/harness';
import { flood, Group, runAndExit } from './groups';
import { freePort } from '../scripts/local/ports';
import { IsolateInspector } from './inspector';
import { cpuByRole, cpuDiff } from './rss';
import { directRuntimeUrl } from './runtime-port';
import { writeFileSync } from 'node:fs';

const VIEWERS = Number(process.env.BENCH_FANOUT ?? 50);
const PROCS = Number(process.env.BENCH_FANOUT_PROCS ?? 5);
const MB = Number(process.env.BENCH_FANOUT_MB ?? 32);
const ROUNDS = Number(process.env.PROBE_ROUNDS ?? 3);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Self time per function (top 25) of a CPU profile. */
function summarize(profile: any) {
  const self = new Map<string, number>();
  const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
  const dt: number[] = profile.timeDeltas;
  profile.samples.forEach((id: number, i: number) => {
    const n = byId.get(id);
    const f = n.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`profile: ${total.toFixed(0)} ms`);
  for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`  ${v.toFixed(0).padStart(6)} ms  ${k}`);
}

async function main() {
  const inspectorPort = await freePort();
  const extraVars: Record<string, string> = { RELAY_STATS: '1', ...BENCH_LIMITS };
  // PROBE_PARSE_BACKLOG: try another bound for the emulator's backlog (bytes).
  if (process.env.PROBE_PARSE_BACKLOG) extraVars.RELAY_PARSE_BACKLOG_BYTES = process.env.PROBE_PARSE_BACKLOG;
  if (process.env.PROBE_TAIL) extraVars.RELAY_EMULATOR_TAIL_BYTES = process.env.PROBE_TAIL;
  if (process.env.PROBE_SLICE) extraVars.RELAY_PARSE_SLICE_BYTES = process.env.PROBE_SLICE;
  const t = await startTestStack({ extraVars, inspectorPort });
  const insp = process.env.PROFILE ? await IsolateInspector.connect(inspectorPort) : null;
  const groups: Group[] = [];
  try {
    const { user, workspace } = await t.runningWorkspace();
    const headers = { cookie: user.cookie, origin: t.stack.url };
    const newWindow = async () =>
      (await t.call(`/api/workspaces/${workspace.id}/terminals`, { cookie: user.cookie, body: {} })).json
        .windowId as string;
    // PROBE_DIRECT=1: past wrangler dev's proxy Worker, straight to the runtime (as in production).
    const base = (process.env.PROBE_DIRECT ? await directRuntimeUrl(t.stack.url) : null) ?? t.stack.url;
    const url = (w: string) =>
      `${base.replace(/^http/, 'ws')}/api/workspaces/${workspace.id}/terminals/${w}?cols=200&rows=50`;
    const open = async (n: number) => {
      const win = await newWindow();
      const mine: Group[] = [];
      const procs = Math.min(n, PROCS);
      for (let i = 0; i < procs; i++) {
        const g = await Group.start(url(win), headers, Math.floor(n / procs) + (i < n % procs ? 1 : 0), true);
        mine.push(g);
        groups.push(g);
      }
      return mine;
    };
    const one = await open(1);
    const all = await open(VIEWERS);
    await sleep(1500);
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let singleDone = 0;
      for (const mine of [one, all]) {
        const n = mine === one ? 1 : VIEWERS;
        const profiling = insp && n > 1 && round === 0;
        if (profiling) {
          await insp.call('Profiler.enable');
          await insp.call('Profiler.start');
        }
        const cpu0 = cpuByRole();
        const r = await flood(mine, MB);
        if (profiling) {
          const { profile } = await insp.call('Profiler.stop');
          summarize(profile);
          writeFileSync('/tmp/fanout.cpuprofile', JSON.stringify(profile));
        }
        const cpu = cpuDiff(cpu0, cpuByRole());
        const rates = r.rates.sort((a, b) => a - b);
        const done = r.completion.sort((a, b) => a - b);
        if (n === 1) singleDone = done[0]!;
        else ratios.push(done[0]! / singleDone);
        console.log(
          `${n} viewers x ${MB} MB: ${r.seconds.toFixed(2)} s, to the end min ${done[0]!.toFixed(1)} median ${done[done.length >> 1]!.toFixed(1)} MB/s, per viewer min ${rates[0]!.toFixed(1)} median ${rates[rates.length >> 1]!.toFixed(1)} MB/s, aggregate ${rates.reduce((a, b) => a + b, 0).toFixed(0)} MB/s, ${r.resyncs} resyncs; cpu s ${JSON.stringify(cpu)}`,
        );
        await sleep(1000);
      }
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    console.log(
      `fan-out to the end, min viewer / one viewer: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${sorted[sorted.length >> 1]!.toFixed(2)}`,
    );
  } finally {
    for (const g of groups) g.close();
    await t.stop();
  }
}

runAndExit(main);
