import type { VmHealth, WorkspaceEventInput } from '../../core/protocol';
import type { VmData } from '../../core/vm';
import { recordAudit } from '../../db/audit';
import type { WorkspaceRow } from '../../db/queries/workspaces';
import { emit, orgEventsOf } from './events';
import { broadcast } from './sockets';
import type { RoomState } from './state';
import { HEALTH_SEEN_KEY } from './storage-keys';

// The room's health check of its VM, on the watch timer (room/alarm.ts) with the VM data the
// reconcile step just read: every client gets the resource use, and an OOM kill or a filling disk is
// told once, as an event (terminal and organization sockets) and in the audit trail.

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** At or past this share of the quota the disk is "90% full"; it is reset below DISK_CLEAR. */
export const DISK_WARN = 0.9;
const DISK_CLEAR = 0.85;

export type DiskLevel = 'ok' | 'warning' | 'full';
export interface HealthSeen {
  oomKills: number;
  disk: DiskLevel;
}

/** "4 GiB", "1.5 GiB", "256 MiB". */
export function formatSize(bytes: number): string {
  if (bytes >= GiB) {
    const g = bytes / GiB;
    return `${Number.isInteger(g) ? g : g.toFixed(1)} GiB`;
  }
  return `${Math.round(bytes / MiB)} MiB`;
}

/** "9.0 of 10 GiB": the used part in the quota's unit, one decimal. */
function usedOf(used: number, quota: number): string {
  const unit = quota >= GiB ? GiB : MiB;
  return `${(used / unit).toFixed(1)} of ${formatSize(quota)}`;
}

export function diskLevel(
  usedBytes: number,
  quotaBytes: number,
  freeBytes: number,
  was: DiskLevel,
): DiskLevel {
  // Full: no room for a real write (ext4 keeps a few blocks it never hands out).
  if (freeBytes <= Math.max(MiB, quotaBytes * 0.002)) return 'full';
  const share = usedBytes / quotaBytes;
  if (share >= DISK_WARN) return 'warning';
  return was !== 'ok' && share >= DISK_CLEAR ? 'warning' : 'ok';
}

/** The resource use clients show, from VM data (Freestyle's fields, plus the local host's `local`). */
export function healthOf(vm: VmData, previous: VmHealth | undefined, now: number): VmHealth {
  const local = vm.local;
  const seconds = typeof vm.cpuTimeSeconds === 'number' ? vm.cpuTimeSeconds : null;
  const count = vm.resources.cpu;
  let percent: number | null = null;
  if (seconds !== null && previous?.cpu && now > previous.at) {
    const share = (seconds - previous.cpu.seconds) / ((now - previous.at) / 1000) / count;
    percent = Math.max(0, Math.min(100, Math.round(share * 1000) / 10));
  }
  return {
    memory: local?.memory ?? null,
    disk: local ? { usedBytes: local.disk.usedBytes, quotaBytes: local.disk.quotaBytes } : null,
    cpu: seconds === null ? null : { seconds, count, percent },
    at: now,
  };
}

/** What to tell, given what was told: the events and the new memory of them. */
export function healthAlerts(
  vm: VmData,
  seen: HealthSeen | undefined,
): { events: (WorkspaceEventInput & { detail: Record<string, unknown> })[]; seen: HealthSeen } {
  const local = vm.local;
  const was: HealthSeen = seen ?? { oomKills: 0, disk: 'ok' };
  if (!local) return { events: [], seen: was };
  const events: (WorkspaceEventInput & { detail: Record<string, unknown> })[] = [];
  const kills = local.oomKills?.count ?? was.oomKills;
  // A count that went down is a new VM (Retry after it vanished): start over from it.
  if (kills > was.oomKills) {
    const name = local.oomKills?.last?.process;
    const limit = formatSize(local.memory?.limitBytes ?? vm.resources.memory * MiB);
    const n = kills - was.oomKills;
    const message =
      n === 1
        ? `Out of memory: ${name ?? 'a process'} was killed (limit ${limit})`
        : `Out of memory: ${n} processes were killed${name ? `, the last ${name}` : ''} (limit ${limit})`;
    events.push({ type: 'out_of_memory', message, detail: { process: name ?? null, kills: n, limit } });
  }
  const { usedBytes, quotaBytes, freeBytes } = local.disk;
  const disk = diskLevel(usedBytes, quotaBytes, freeBytes, was.disk);
  const rank = { ok: 0, warning: 1, full: 2 } as const;
  if (rank[disk] > rank[was.disk]) {
    const pct = Math.floor((usedBytes / quotaBytes) * 100);
    const detail = { usedBytes, quotaBytes };
    if (disk === 'full') events.push({ type: 'disk_full', message: 'Disk full', detail });
    else
      events.push({
        type: 'disk_warning',
        message: `Disk ${pct}% full (${usedOf(usedBytes, quotaBytes)})`,
        detail,
      });
  }
  return { events, seen: { oomKills: kills, disk } };
}

/** One health check: tell every client the resource use, and any new OOM kill or disk level. */
export async function checkHealth(
  s: RoomState,
  vm: VmData,
  ws: Pick<WorkspaceRow, 'id' | 'organizationId' | 'status'>,
): Promise<void> {
  if (ws.status !== 'running') return; // a paused VM uses nothing and changes nothing
  const meta = { workspaceId: ws.id, organizationId: ws.organizationId };
  const health = healthOf(vm, s.health, Date.now());
  s.health = health;
  broadcast(s, { type: 'health', health });
  const published = orgEventsOf(s, meta.organizationId)
    .publishHealth(meta.workspaceId, health)
    .catch(() => {});
  const storage = s.ctx.storage;
  const seen = await storage.get<HealthSeen>(HEALTH_SEEN_KEY);
  const alerts = healthAlerts(vm, seen);
  if (!seen || alerts.seen.oomKills !== seen.oomKills || alerts.seen.disk !== seen.disk)
    await storage.put(HEALTH_SEEN_KEY, alerts.seen);
  for (const { detail, ...event } of alerts.events) {
    await emit(s, event);
    await s.deps
      .withDb((db) =>
        recordAudit(db, {
          organizationId: meta.organizationId,
          workspaceId: meta.workspaceId,
          actorType: 'system',
          action: event.type,
          detail: { message: event.message, ...detail },
        }),
      )
      .catch((err) => console.error('health: audit failed:', err));
  }
  await published;
}
