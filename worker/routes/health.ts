import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import type { HealthResponse } from '../../core/api/server';
import type { Reply } from '../lib/reply';
import type { AppEnv } from '../types';

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

export const health = new Hono<AppEnv>().get('/', async (c): Reply<HealthResponse, 200 | 503> => {
  const { db, config } = c.var;
  const [dbUp, vmUp] = await Promise.all([
    withTimeout(db.execute(sql`select 1`), 3000).then(
      () => true,
      () => false,
    ),
    // Listing VMs is the cheapest authenticated call both Freestyle and the local host answer.
    withTimeout(
      fetch(new URL('/v5/vms', config.vmApiUrl), { headers: { Authorization: `Bearer ${config.vmApiKey}` } }),
      3000,
    ).then(
      (r) => r.ok,
      () => false,
    ),
  ]);
  const body = { ok: dbUp && vmUp, db: dbUp ? 'up' : 'down', vmHost: vmUp ? 'up' : 'down' } as const;
  return c.json(body, body.ok ? 200 : 503);
});
