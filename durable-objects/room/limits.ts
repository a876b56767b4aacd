import type { Limits } from '../../core/limits';
import { limitsFor } from '../../db/queries/limits';
import { loadMeta, type RoomState } from './state';

/** A change of an organization's limits reaches its rooms within this long. */
const LIMITS_FRESH_MS = 60_000;

/** The organization's limits, read at most once a minute (attaching a terminal must not query). */
export async function roomLimits(s: RoomState): Promise<Limits> {
  const now = Date.now();
  if (s.limits && now - s.limits.at < LIMITS_FRESH_MS) return s.limits.value;
  const meta = await loadMeta(s);
  const value = meta
    ? await s.deps.withDb((db) => limitsFor(db, meta.organizationId, s.deps.config.limits))
    : s.deps.config.limits;
  s.limits = { value, at: now };
  return value;
}
