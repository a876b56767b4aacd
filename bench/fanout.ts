import { flood, type Group } from './groups';
import { f, median, sleep } from './stats';
import type { Terminals } from './terminal';

const FANOUT_VIEWERS = Number(process.env.BENCH_FANOUT ?? 50);
const FANOUT_PROCS = Number(process.env.BENCH_FANOUT_PROCS ?? 5);
const FANOUT_MB = Number(process.env.BENCH_FANOUT_MB ?? 32);
const FANOUT_ROUNDS = Number(process.env.BENCH_FANOUT_ROUNDS ?? 5);

/** One viewer (the reference), then FANOUT_VIEWERS viewers of one window over FANOUT_PROCS processes. */
export async function benchFanout(c: Terminals) {
  console.log(
    `fan-out: 1 viewer, then ${FANOUT_VIEWERS} viewers in ${FANOUT_PROCS} processes, ${FANOUT_MB} MB...`,
  );
  const singleGroup = await c.group(c.pathUrl(await c.newWindow()), c.headers, 1, true);
  const fanWin = await c.newWindow();
  const fan: Group[] = [];
  for (let i = 0; i < FANOUT_PROCS; i++) {
    const n = Math.floor(FANOUT_VIEWERS / FANOUT_PROCS) + (i < FANOUT_VIEWERS % FANOUT_PROCS ? 1 : 0);
    if (n > 0) fan.push(await c.group(c.pathUrl(fanWin), c.headers, n, true));
  }
  await sleep(2000);
  // The machine is noisy: the pair (one viewer, then all of them) runs FANOUT_ROUNDS times and the
  // round with the median ratio is reported, with every round's ratio beside it.
  const rounds: { single: Awaited<ReturnType<typeof flood>>; fanout: Awaited<ReturnType<typeof flood>> }[] =
    [];
  for (let r = 0; r < FANOUT_ROUNDS; r++) {
    const single = await flood([singleGroup], FANOUT_MB);
    await c.settle();
    const fanout = await flood(fan, FANOUT_MB);
    await c.settle();
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
  await c.settle();

  const singleRate = single.rates[0]!;
  const singleDone = single.completion[0]!;
  return {
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
  };
}

export type FanoutBench = Awaited<ReturnType<typeof benchFanout>>;

export function fanoutRows(b: FanoutBench): string[][] {
  const done = b.completion;
  return [
    [
      `fan-out ${b.viewers}x${b.floodMB} MB, output to the end on screen, per viewer min / median (MB/s)`,
      `${f(done.min)} / ${f(done.median)}`,
      `1 viewer ${f(done.singleViewerMBs)}`,
      `${f(done.ratioMin)}x / ${f(done.ratioMedian)}x (target >= 0.8); median of ${done.roundRatiosMin.length} rounds (min ratio ${done.roundRatiosMin.map(f).join(', ')}); ${b.resyncs} resyncs`,
    ],
    [
      `fan-out ${b.viewers}x${b.floodMB} MB, bytes received, per viewer min / median (MB/s)`,
      `${f(b.perViewerMBs.min)} / ${f(b.perViewerMBs.median)}`,
      `1 viewer ${f(b.singleViewerMBs)}`,
      `${f(b.ratioMin)}x / ${f(b.ratioMedian)}x; median ${f(b.receivedMB.median)} MB received, the rest skipped (visible-screen frames, resyncs); ${b.processes} client processes`,
    ],
  ];
}
