import { flood } from './groups';
import type { IsolateInspector } from './inspector';
import { Probe } from './probe';
import { workerdRssMb } from './rss';
import { f } from './stats';
import type { Terminals } from './terminal';

const FLOOD_MB = Number(process.env.BENCH_FLOOD_MB ?? 256);

/**
 * One viewer's flood on the VM host's PTY (the baseline), then on the product path while the relay's
 * memory is sampled: workerd's RSS, the Worker isolate's heap and the room's own numbers (pings).
 */
export async function benchThroughput(c: Terminals, inspector: IsolateInspector) {
  console.log(`flood ${FLOOD_MB} MB, baseline...`);
  const baseGroup = await c.group(c.baseUrl(), c.baseHeaders, 1, false);
  await c.settle();
  const base = await flood([baseGroup], FLOOD_MB);
  baseGroup.close();
  await c.settle();

  console.log(`flood ${FLOOD_MB} MB, path...`);
  const floodWin = await c.newWindow();
  const pathGroup = await c.group(c.pathUrl(floodWin), c.headers, 1, true);
  // A viewer that never acknowledges: it stalls after one window and costs the relay nothing, and
  // answers pings with the relay's numbers during the flood.
  const statsProbe = await Probe.open(c.pathUrl(floodWin), c.headers, false);
  await c.settle();
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
  await c.settle();
  const rssAfter = workerdRssMb();
  statsProbe.close();
  pathGroup.close();

  return {
    throughputMBs: {
      floodMB: FLOOD_MB,
      path: path.rates[0]!,
      baseline: base.rates[0]!,
      ratio: path.rates[0]! / base.rates[0]!,
      pathResyncs: path.resyncs,
    },
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
}

export type ThroughputBench = Awaited<ReturnType<typeof benchThroughput>>;

export function throughputRows({ throughputMBs: tp }: ThroughputBench): string[][] {
  return [
    [`throughput ${tp.floodMB} MB (MB/s)`, f(tp.path), f(tp.baseline), `${f(tp.ratio)}x (target >= 0.8)`],
  ];
}

export function relayMemoryRows({ throughputMBs: tp, relayMemory: rm }: ThroughputBench): string[][] {
  return [
    [
      `relay-held output during the ${tp.floodMB} MB flood (MB)`,
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
      `${f(rm.workerdRssBeforeMB)} -> peak ${f(rm.workerdRssPeakMB)} (after ${f(rm.workerdRssAfterMB)})`,
      '',
      `+${f(rm.workerdRssGrowthMB)} MB (the whole local runtime)`,
    ],
  ];
}
