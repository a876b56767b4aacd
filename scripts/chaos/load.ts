import type { Client } from './client';
import type { Report } from './report';

// Bad days: a client that hangs up mid-body, and a burst that outnumbers Postgres' connections.

async function healthyWithin(c: Client, ms: number): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    const r = await c.call('/api/health');
    if (r.status === 200) return Date.now() - started;
    await new Promise((res) => setTimeout(res, 250));
  }
  return null;
}

export async function loadChecks(c: Client, report: Report, s: { cookie: string; organizationId: string }) {
  const check = report.section('Bad days');
  await c.hangUp('/api/auth/sign-in/email');
  await new Promise((res) => setTimeout(res, 500));
  const down = (await c.call('/api/health')).status !== 200;
  const back = await healthyWithin(c, 60_000);
  check(
    'a request that declares a body and hangs up does not take the product down for good',
    back !== null,
    back === null ? 'still down after 60 s' : down ? `down, back after ${back} ms (supervisor)` : 'stayed up',
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
