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
  opts: { tries?: number; settleMs?: number; prepare?: () => Promise<unknown> } = {},
): Promise<RoundTrips> {
  let best: RoundTrips | undefined;
  for (let i = 0; i < (opts.tries ?? 3); i++) {
    // What the request needs first (a running workspace to pause), not counted.
    await opts.prepare?.();
    await untilQuiet(proxyAddress);
    const before = await proxyStats(proxyAddress);
    await request();
    await sleep(opts.settleMs ?? 250);
    const d = minus(await proxyStats(proxyAddress), before);
    if (!best || d.total < best.total) best = d;
  }
  return best!;
}

/** A cookie header with the `Set-Cookie`s of a response applied, as a browser keeps it. */
export function mergeCookies(cookie: string, setCookies: string[]): string {
  const jar = new Map(
    cookie
      .split(';')
      .map((c) => c.trim())
      .filter(Boolean)
      .map((c) => [c.slice(0, c.indexOf('=')), c] as const),
  );
  for (const sc of setCookies) {
    const pair = sc.split(';')[0]!.trim();
    const name = pair.slice(0, pair.indexOf('='));
    if (/max-age=0|expires=thu, 01 jan 1970/i.test(sc)) jar.delete(name);
    else jar.set(name, pair);
  }
  return [...jar.values()].join('; ');
}

/**
 * The cookie as a browser would hold it now: the session's cached copy lasts a minute and the app
 * renews it by reading its session, so a long test does the same before it counts.
 */
export async function renewedCookie(baseUrl: string, cookie: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/get-session`, { headers: { cookie, origin: baseUrl } });
  await res.body?.cancel();
  return mergeCookies(cookie, res.headers.getSetCookie());
}
