import { startFlooder } from './flooder';
import { Probe, echo } from './probe';
import { directRuntimeUrl } from './runtime-port';
import { SshProbe } from './ssh-probe';
import { f, median, pct, sleep } from './stats';
import type { Terminals } from './terminal';

const ECHO_SAMPLES = Number(process.env.BENCH_ECHO ?? 400);

const p50p99 = (xs: number[]) => ({ p50: median(xs), p99: pct(xs, 99) });

/**
 * Keystroke echo on the product path beside the VM host's own PTY, the path without wrangler's proxy
 * and the SSH gateway; then echo while another viewer of the same window floods it with frames.
 * The echo window and its viewer stay open for the paused -> first screen section.
 */
export async function benchEcho(c: Terminals) {
  // ---- echo (event-driven), path and baseline interleaved in blocks so both see the same machine
  console.log('echo...');
  const echoWin = await c.newWindow();
  const pv = await Probe.open(c.pathUrl(echoWin), c.headers, true);
  await pv.next('screen');
  const bv = await Probe.open(c.baseUrl(), c.baseHeaders, false);
  // The same path minus wrangler dev's proxy Worker (a hop production does not have).
  const direct = await directRuntimeUrl(c.t.stack.url);
  const dv = direct
    ? await Probe.open(
        `${direct.replace(/^http/, 'ws')}/api/workspaces/${c.workspaceId}/terminals/${await c.newWindow()}?cols=200&rows=50`,
        c.headers,
        true,
      )
    : null;
  if (dv) await dv.next('screen');
  // The same person over SSH: the gateway straight into a PTY of the VM (no Worker, no room).
  const access = (await c.t.call(`/api/workspaces/${c.workspaceId}/ssh`, { cookie: c.user.cookie, body: {} }))
    .json;
  const sv = await SshProbe.open(access.host, access.port, access.user);
  await c.settle();
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
  const flooder = startFlooder(c.pathUrl(echoWin), c.headers, 5_000);
  await sleep(300);
  const floodStarted = performance.now();
  const echoFlooded = (await echo(pv, 205)).slice(5);
  const floodStats = flooder.stop();
  const floodSeconds = (performance.now() - floodStarted + 300) / 1000;
  await c.settle();

  const echoMs = {
    samples: echoPath.length,
    path: p50p99(echoPath),
    pathWithoutDevProxy: echoDirect.length ? p50p99(echoDirect) : null,
    baseline: p50p99(echoBase),
    sshGateway: p50p99(echoSsh),
    whileAnotherViewerFloods: {
      ...p50p99(echoFlooded),
      framesPerSecondSent: floodStats.frames / floodSeconds,
      floodSockets: floodStats.sockets,
      closedWith: [...new Set(floodStats.closedWith)],
    },
  };
  return { echoMs, window: echoWin, viewer: pv };
}

export type EchoBench = Awaited<ReturnType<typeof benchEcho>>['echoMs'];

/** The bench's table rows: measure, path, baseline, ratio. */
export function echoRows(e: EchoBench): string[][] {
  const flooded = e.whileAnotherViewerFloods;
  return [
    [
      'echo p50 (ms)',
      f(e.path.p50),
      f(e.baseline.p50),
      `+${f(e.path.p50 - e.baseline.p50)} ms (target <= +1)`,
    ],
    ['echo p99 (ms)', f(e.path.p99), f(e.baseline.p99), ''],
    [
      'echo p50 / p99 over the SSH gateway (ms)',
      `${f(e.sshGateway.p50)} / ${f(e.sshGateway.p99)}`,
      `path ${f(e.path.p50)} / ${f(e.path.p99)}`,
      `${e.sshGateway.p50 - e.path.p50 >= 0 ? '+' : ''}${f(e.sshGateway.p50 - e.path.p50)} ms vs the terminal socket (goal <= +1)`,
    ],
    ...(e.pathWithoutDevProxy
      ? [
          [
            'echo p50 / p99 without the dev proxy (ms)',
            `${f(e.pathWithoutDevProxy.p50)} / ${f(e.pathWithoutDevProxy.p99)}`,
            `${f(e.baseline.p50)} / ${f(e.baseline.p99)}`,
            `+${f(e.pathWithoutDevProxy.p50 - e.baseline.p50)} ms: the room's own cost (no wrangler proxy hop)`,
          ],
        ]
      : []),
    [
      'echo p50 / p99 while another viewer sends 5,000 frames/s (ms)',
      `${f(flooded.p50)} / ${f(flooded.p99)}`,
      `quiet ${f(e.path.p50)} / ${f(e.path.p99)}`,
      `${f(flooded.p50 / e.path.p50)}x p50; flooder sent ${Math.round(flooded.framesPerSecondSent)}/s over ${flooded.floodSockets} sockets, closed with ${flooded.closedWith.join(', ')}`,
    ],
  ];
}
