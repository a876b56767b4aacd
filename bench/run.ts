// `npm run bench`: the terminal path (client -> wrangler dev Worker -> WorkspaceRoom -> VM host PTY)
// side by side with the baseline (client directly on the VM host's PTY WebSocket), on loopback.
//
// Every throughput figure is measured the same way: viewers live in child processes (bench/viewers.ts),
// acknowledge output like a real client, and time the flood from the keystroke that starts it to the
// end marker. The fan-out's 50 viewers are spread over BENCH_FANOUT_PROCS processes so the client side
// is not the bottleneck; its reference is one viewer measured exactly like them. Echo is timed from the
// keystroke to the socket's next binary frame (event-driven, no polling). Timings stay out of tests.
// Each section lives in its own file (its env knobs at its top); this file runs them and prints the table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { startTestStack } from '../test/stack/harness';
import { Group, runAndExit } from './groups';
import { freePort } from '../scripts/local/ports';
import { IsolateInspector } from './inspector';
import { BENCH_LIMITS } from './limits';
import { crashRows, measureCrashDetection } from './health';
import { benchPreviews, previewRows } from './previews';
import { benchScp, scpRows } from './scp';
import { benchSetup, setupRows } from './setup';
import { benchEcho, echoRows } from './echo';
import { benchThroughput, relayMemoryRows, throughputRows } from './throughput';
import { benchFanout, fanoutRows } from './fanout';
import { benchResume, resumeRows } from './resume';
import { terminals } from './terminal';
import { f } from './stats';
import { VM_SERVER_PATHS } from '../vm-host/test/vm-server';

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
    const c = terminals(t, user, workspace, groups);

    const echo = await benchEcho(c);
    const throughput = await benchThroughput(c, inspector);
    const fanout = await benchFanout(c);
    const paused = await benchResume(c, echo.window);
    echo.viewer.close();

    console.log('preview URLs...');
    const previews = await benchPreviews(t, user, workspace);
    const scp = await benchScp(t, user, workspace);

    console.log('crash detection...');
    const crash = await measureCrashDetection(t);

    console.log('setup and prebuilds...');
    const setup = await benchSetup(t);

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
      echoMs: echo.echoMs,
      throughputMBs: throughput.throughputMBs,
      fanout,
      pausedToFirstScreenMs: paused,
      crashDetectedMs: crash,
      relayMemory: throughput.relayMemory,
    };

    const rows = [
      ['measure', 'path', 'baseline', 'ratio / note'],
      ...echoRows(echo.echoMs),
      ...throughputRows(throughput),
      ...fanoutRows(fanout),
      ...resumeRows(paused),
      ...crashRows(crash, f),
      ...relayMemoryRows(throughput),
      ...previewRows(previews, f),
      ...scpRows(scp, throughput.throughputMBs.path, f),
      ...setupRows(setup, f),
    ];
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
