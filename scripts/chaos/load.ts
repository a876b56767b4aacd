import type { Client } from './client';
import type { Report } from './report';

// Bad days: a client that hangs up mid-body, and a burst that outnumbers Postgres' connections.

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Healthy for three answers in a row (a part that is about to exit may still answer once). */
export async function stablyHealthy(c: Client, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  let streak = 0;
  while (Date.now() < end && streak < 3) {
    streak = (await c.call('/api/health')).status === 200 ? streak + 1 : 0;
    await sleep(250);
  }
  return streak >= 3;
}

export async function loadChecks(c: Client, report: Report, s: { cookie: string; organizationId: string }) {
  const check = report.section('Bad days');
  await c.hangUp('/api/auth/sign-in/email');
  // wrangler dev takes a moment to die of it: watch for 5 s, then wait for it to be back.
  const started = Date.now();
  let downAt: number | null = null;
  while (Date.now() - started < 5000) {
    if ((await c.call('/api/health')).status !== 200) downAt ??= Date.now();
    await sleep(250);
  }
  const back = await stablyHealthy(c, 60_000);
  check(
    'a request that declares a body and hangs up does not take the product down for good',
    back,
    !back
      ? 'still down after 60 s'
      : downAt
        ? `went down, back by ${Date.now() - downAt} ms later`
        : 'stayed up',
  );

  const burst = await Promise.all(
    Array.from({ length: 100 }, () =>
      c.call(`/api/workspaces?organizationId=${s.organizationId}`, { cookie: s.cookie }),
    ),
  );
  const counts = new Map<number, number>();
  for (const r of burst) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const seen = [...counts].map(([status, n]) => `${n}x ${status}`).join(', ');
  const wrong = burst.filter((r) => r.status !== 200 && r.status !== 503);
  const unavailable = burst.filter((r) => r.status === 503);
  check(
    '100 concurrent requests answer 200 or 503 (with Retry-After), never 500 or 401',
    !wrong.length && unavailable.every((r) => r.headers.get('retry-after')),
    seen,
  );
}
