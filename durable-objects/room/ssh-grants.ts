import { isVmApiError } from '../../core/vm';
import type { RevokeMatch } from './contract';
import { matchesRevocation } from './sockets';
import { installGrantEnv, sweepGrantEnv } from './ssh-env';
import type { RoomState } from './state';
import { SSH_GRANTS_KEY, Timer } from './storage-keys';
import { setTimer } from './timers';

// The SSH identities the room made (room/ssh.ts): revoked when the workspace stops, fails or is deleted.

export interface SshGrant {
  identityId: string;
  userId: string | null;
  /** The Better Auth session or API key it was issued to: signing out or deleting the key revokes it. */
  authSessionId?: string;
  keyId?: string;
  /** The grant's own Linux user in the VM, whose login shell carries its environment (room/ssh-env.ts). */
  linuxUser?: string;
  /** ms */
  expiresAt: number;
}

/** The grants not yet expired; expired ones are deleted on the way. */
export async function liveGrants(s: RoomState): Promise<SshGrant[]> {
  const all = (await s.ctx.storage.get<SshGrant[]>(SSH_GRANTS_KEY)) ?? [];
  const now = Date.now();
  const expired = all.filter((g) => g.expiresAt <= now);
  await deleteIdentities(s, expired);
  return all.filter((g) => g.expiresAt > now);
}

/**
 * Deletes the identities whose time is up and arms the timer for the next. Freestyle's tokens live
 * until revoked, so this is what makes the hour true there (the local host also expires them itself).
 */
export async function expireSsh(s: RoomState): Promise<void> {
  const all = (await s.ctx.storage.get<SshGrant[]>(SSH_GRANTS_KEY)) ?? [];
  const live = await liveGrants(s);
  await s.ctx.storage.put(SSH_GRANTS_KEY, live);
  await armSshExpiry(s, live);
  if (live.length < all.length) await sweepGrantEnv(s, live);
}

export async function armSshExpiry(s: RoomState, grants: SshGrant[]): Promise<void> {
  if (grants.length)
    await setTimer(s.ctx.storage, Timer.sshExpiry, Math.min(...grants.map((g) => g.expiresAt)));
}

/** Revokes every SSH identity of the workspace (or those of one user): open SSH sessions end too. */
export async function revokeSsh(s: RoomState, userId?: string): Promise<void> {
  const all = (await s.ctx.storage.get<SshGrant[]>(SSH_GRANTS_KEY)) ?? [];
  if (all.length === 0) return;
  const gone = userId === undefined ? all : all.filter((g) => g.userId === userId);
  const failed = await deleteIdentities(s, gone);
  const kept = all.filter((g) => !gone.includes(g));
  await s.ctx.storage.put(SSH_GRANTS_KEY, [...kept, ...failed]);
  await sweepGrantEnv(s, kept);
}

/** Revokes the grants of a principal whose access ended (room.revoke); answers how many. */
export async function revokeSshMatching(s: RoomState, match: RevokeMatch): Promise<number> {
  const all = (await s.ctx.storage.get<SshGrant[]>(SSH_GRANTS_KEY)) ?? [];
  const gone = all.filter((g) => matchesRevocation(g, match));
  if (gone.length === 0) return 0;
  const failed = await deleteIdentities(s, gone);
  const kept = all.filter((g) => !gone.includes(g));
  await s.ctx.storage.put(SSH_GRANTS_KEY, [...kept, ...failed]);
  await sweepGrantEnv(s, kept);
  return gone.length;
}

/** Deletes identities; answers the grants whose deletion failed (kept to try again). */
async function deleteIdentities(s: RoomState, grants: SshGrant[]): Promise<SshGrant[]> {
  const results = await Promise.allSettled(grants.map((g) => s.deps.vm.deleteIdentity(g.identityId)));
  return grants.filter((_, i) => {
    const r = results[i]!;
    return r.status === 'rejected' && !(isVmApiError(r.reason) && r.reason.status === 404);
  });
}

/**
 * The VM restarted while grants were live (its /run is a tmpfs): writes the files of those grants
 * (`lost`, Linux users the presence scan found without them) again, computed afresh for each grant's
 * member. Under the lifecycle lock, so never while a snapshot has them removed; a grant revoked
 * meanwhile is not brought back.
 */
export async function restoreLostGrantEnv(s: RoomState, lost: string[]): Promise<void> {
  await s.lock.run(async () => {
    const vmId = s.meta?.vmId;
    if (!vmId || s.meta?.status !== 'running') return;
    const live = (await liveGrants(s)).filter((g) => g.linuxUser);
    const users = live.map((g) => g.linuxUser!);
    for (const g of live.filter((x) => lost.includes(x.linuxUser!))) {
      await installGrantEnv(s, vmId, g.linuxUser!, g.userId, users).catch((err: unknown) =>
        console.error('restoring an SSH environment after a VM restart failed:', err),
      );
    }
    // Revoked while the files were written: its file goes again.
    const after = await liveGrants(s);
    if (after.length < live.length) await sweepGrantEnv(s, after);
  });
}
