// Probe: where does workerd's memory go during a flood? Samples workerd RSS and the relay's own
// numbers (pong with RELAY_STATS=1) every 200 ms while one acking viewer floods FLOOD_MB.
import { BENCH_LIMITS } from './limits';
import WebSocket from 'ws';
import { FLOW_ACK_EVERY_BYTES } from '../core/protocol';
import { startTestStack } from '../test/stack/harness';
import { freePort } from '../scripts/local/ports';
import { IsolateInspector } from './inspector';
import { workerdMappingsMb, workerdRssByPid, workerdRssMb } from './rss';
import { runAndExit } from './groups';

const FLOOD_MB = Number(process.env.BENCH_FLOOD_MB ?? 256);

async function main() {
  const inspectorPort = await freePort();
  const t = await startTestStack({ extraVars: { RELAY_STATS: '1', ...BENCH_LIMITS }, inspectorPort });
  const insp = await IsolateInspector.connect(inspectorPort);
  try {
    const { user, workspace } = await t.runningWorkspace();
    const windowId = (
      await t.call(`/api/workspaces/${workspace.id}/terminals`, { cookie: user.cookie, body: {} })
    ).json.windowId;
    const url = `${t.stack.url.replace(/^http/, 'ws')}/api/workspaces/${workspace.id}/terminals/${windowId}?cols=200&rows=50`;
    const ws = new WebSocket(url, {
      headers: { cookie: user.cookie, origin: t.stack.url },
      perMessageDeflate: false,
    });
    let bytes = 0;
    let unacked = 0;
    let last: any = null;
    let done = false;
    let tail = '';
    let round = 0;
    ws.on('message', (d: Buffer, bin: boolean) => {
      if (!bin) {
        const m = JSON.parse(d.toString());
        if (m.type === 'pong') last = m.relay;
        if (m.type === 'screen' && String(m.data).includes(`PROBE-${99 + round}-DONE`)) done = true;
        return;
      }
      bytes += d.length;
      unacked += d.length;
      if (unacked >= FLOW_ACK_EVERY_BYTES) {
        ws.send(JSON.stringify({ type: 'ack', bytes: unacked }));
        unacked = 0;
      }
      tail = (tail + d.toString('latin1', Math.max(0, d.length - 64))).slice(-128);
      if (tail.includes(`PROBE-${99 + round}-DONE`)) done = true;
    });
    await new Promise((r) => ws.once('open', r));
    await new Promise((r) => setTimeout(r, 1000));
    const rss0 = workerdRssMb();
    const h0 = await insp.heap();
    console.log(
      `per process ${JSON.stringify([...workerdRssByPid()].map(([pid, mb]) => [pid, Math.round(mb)]))}`,
    );
    const heap0 = h0.usedMB + h0.backingMB;
    console.log(
      `rss before ${rss0.toFixed(1)} MB, isolate ${heap0.toFixed(1)} MB (total ${h0.totalMB.toFixed(0)}), mappings ${JSON.stringify(workerdMappingsMb())}`,
    );
    for (round = 1; round <= Number(process.env.PROBE_ROUNDS ?? 2); round++) {
      done = false;
      tail = '';
      const start = performance.now();
      ws.send(
        Buffer.from(
          `head -c ${Math.round((FLOOD_MB * 1024 * 1024 * 3) / 4)} /dev/zero | base64 -w 76; echo PROBE-$((9*11+${round}))-DONE\r`,
        ),
      );
      let peak = rss0;
      let heapPeak = 0;
      while (!done) {
        await new Promise((r) => setTimeout(r, 250));
        ws.send(JSON.stringify({ type: 'ping' }));
        const rss = workerdRssMb();
        peak = Math.max(peak, rss);
        const h = await insp.heap();
        heapPeak = Math.max(heapPeak, h.usedMB + h.backingMB);
        const s = last;
        console.log(
          `${((performance.now() - start) / 1000).toFixed(1)}s rss ${rss.toFixed(0)} (+${(rss - rss0).toFixed(0)}) heap ${h.usedMB.toFixed(0)}+${h.backingMB.toFixed(0)} recv ${(bytes / 1e6).toFixed(0)}MB` +
            (s
              ? ` out ${(s.outputBytes / 1e6).toFixed(0)}MB parsePending ${(s.parsePending / 1e6).toFixed(1)}MB batch ${s.batchBytes} ${JSON.stringify(s.viewers.map((v: any) => [v.state, v.unacked, v.pendingBytes]))} ${JSON.stringify(s.extra ?? {})}`
              : ''),
        );
      }
      const secs = (performance.now() - start) / 1000;
      console.log(
        `done: ${(bytes / 1048576 / secs).toFixed(1)} MB/s, rss peak +${(peak - rss0).toFixed(0)} MB, isolate heap+buffers peak ${heapPeak.toFixed(0)} MB (before ${heap0.toFixed(0)})`,
      );
      bytes = 0;
      const h = await insp.heap();
      console.log(
        `mappings ${JSON.stringify(workerdMappingsMb())}, isolate total ${h.totalMB.toFixed(0)} MB, per process ${JSON.stringify([...workerdRssByPid()].map(([pid, mb]) => [pid, Math.round(mb)]))}`,
      );
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 500));
        console.log(`idle ${i}: rss +${(workerdRssMb() - rss0).toFixed(0)}`);
      }
    }
    ws.terminate();
  } finally {
    await t.stop();
  }
}
runAndExit(main);
