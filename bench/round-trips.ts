// Round trips to the database per request, from the local proxy's counters (scripts/local/pg-ws-proxy.ts),
// shared by the API bench and the round-trip test. A count is deterministic where a timing is not; the
// only noise is other traffic (a room's timers), which only adds, so the minimum of a few tries is it.
import type { RoundTrips } from '../scripts/local/pg-ws-proxy';

export type { RoundTrips };

export async function proxyStats(proxyAddress: string): Promise<RoundTrips> {
  const res = await fetch(`http://${proxyAddress}/stats`);
  return (await res.json()) as RoundTrips;
}

const minus = (a: RoundTrips, b: RoundTrips): RoundTrips => ({
  connections: a.connections - b.connections,
  setupFlights: a.setupFlights - b.setupFlights,
  queryFlights: a.queryFlights - b.queryFlights,
  httpRequests: a.httpRequests - b.httpRequests,
  total: a.total - b.total,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the database has been quiet for `quietMs` (nothing else is running a query). */
export async function untilQuiet(proxyAddress: string, quietMs = 300, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let last = (await proxyStats(proxyAddress)).total;
  while (Date.now() < deadline) {
    await sleep(quietMs);
    const now = (await proxyStats(proxyAddress)).total;
    if (now === last) return;
    last = now;
  }
}

/**
 * The round trips `request` costs, including what the Worker finishes after answering: the fewest of
 * `tries` runs, each after a quiet database.
 */
export async function roundTripsOf(
  proxyAddress: string,
  request: () => Promise<unknown>,
  opts: { tries?: number; settleMs?: number } = {},
): Promise<RoundTrips> {
  let best: RoundTrips | undefined;
  for (let i = 0; i < (opts.tries ?? 3); i++) {
    await untilQuiet(proxyAddress);
    const before = await proxyStats(proxyAddress);
    await request();
    await sleep(opts.settleMs ?? 250);
    const d = minus(await proxyStats(proxyAddress), before);
    if (!best || d.total < best.total) best = d;
  }
  return best!;
}
