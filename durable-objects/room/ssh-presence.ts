import { inArray } from 'drizzle-orm';
import { parseSshSessions, sshSessionsScript } from '../../core/ssh-env';
import { user } from '../../db/schema';
import { recordActivity } from './idle';
import type { RoomState, SshPresent, SshScanState } from './state';
import { SSH_GRANTS_KEY } from './storage-keys';
import { restoreLostGrantEnv, type SshGrant } from './ssh-grants';

// Plain SSH sessions (the access's `command` or a pasted `sshConfig`, not through `cw ssh-proxy`) in
// presence and as activity. The VM platform's gateway tells the product nothing, so on each VM check
// the room asks the VM, through exec, which sessions of its live grants are open (the markers the
// grant's login shell keeps: core/ssh-env.ts), and whether each grant's files are still there (a VM
// that restarted lost them: the room writes them again). Each shows as an `ssh` client of the grant's member;
// one whose terminal saw input or output since the last check, or a command without a terminal, is
// activity. The scan reads no environment and prints no value.

const scanOf = (s: RoomState): SshScanState =>
  (s.sshScan ??= { present: [], ttyAt: new Map(), names: new Map() });

/** Whether the room holds a live grant with its own Linux user (a session it can see). */
export async function hasLiveSshGrant(s: RoomState, now = Date.now()): Promise<boolean> {
  const grants = (await s.ctx.storage.get<SshGrant[]>(SSH_GRANTS_KEY)) ?? [];
  return grants.some((g) => g.expiresAt > now && g.linuxUser && g.userId);
}

/** Remembers who is present over plain SSH; answers whether that changed (presence to publish). */
function setPresent(s: RoomState, present: SshPresent[]): boolean {
  const st = scanOf(s);
  const key = (p: SshPresent[]) =>
    p
      .map((x) => x.userId)
      .sort()
      .join(',');
  const changed = key(st.present) !== key(present);
  st.present = present;
  return changed;
}

/** One scan, on the room's VM check (room/lifecycle.ts reconcile); true when presence changed. */
export async function scanSshSessions(s: RoomState): Promise<boolean> {
  const vmId = s.meta?.vmId;
  const withUser = ((await s.ctx.storage.get<SshGrant[]>(SSH_GRANTS_KEY)) ?? []).filter(
    (g) => g.expiresAt > Date.now() && g.linuxUser,
  );
  const grants = withUser.filter((g) => g.userId);
  if (!vmId || s.meta?.status !== 'running' || withUser.length === 0) {
    return s.sshScan?.present.length ? setPresent(s, []) : false;
  }
  const r = await s.deps.vm
    .exec(vmId, { command: sshSessionsScript(withUser.map((g) => g.linuxUser!)), timeoutMs: 5_000 })
    .catch(() => undefined);
  if (!r || r.statusCode !== 0) return false; // keep what was seen; the next check tries again
  const { now, sessions, lost } = parseSshSessions(r.stdout ?? '');
  // The VM restarted under live grants: their new sessions get their environment again.
  if (lost.length) await restoreLostGrantEnv(s, lost);
  const st = scanOf(s);
  const memberOf = new Map(grants.map((g) => [g.linuxUser!, g.userId!]));
  const users = new Set<string>();
  let active = false;
  const ttyAt = new Map<string, number>();
  for (const x of sessions) {
    const userId = memberOf.get(x.linuxUser);
    if (!userId) continue; // a revoked or expired grant's session: the gateway is closing it
    users.add(userId);
    if (x.ttyAt === null) active = true;
    else {
      // First seen: its terminal counts when it moved within the last check or so.
      const before = st.ttyAt.get(x.key) ?? now - 15;
      if (x.ttyAt > before) active = true;
      ttyAt.set(x.key, x.ttyAt);
    }
  }
  st.ttyAt = ttyAt;
  if (active) recordActivity(s);
  const missing = [...users].filter((u) => !st.names.has(u));
  if (missing.length) {
    const rows = await s.deps
      .withDb((db) =>
        db
          .select({ id: user.id, name: user.name, image: user.image })
          .from(user)
          .where(inArray(user.id, missing)),
      )
      .catch(() => []);
    for (const row of rows) st.names.set(row.id, { name: row.name, image: row.image });
  }
  return setPresent(
    s,
    [...users].flatMap((userId) => {
      const n = st.names.get(userId);
      return n ? [{ userId, ...n }] : [];
    }),
  );
}
