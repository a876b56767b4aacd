import type { Actor, RoomResult } from './contract';
import { ensureRunning } from './lifecycle';
import { notRunning, vmFailure } from './results';
import { armSshExpiry, liveGrants, type SshGrant } from './ssh-grants';
import type { RoomState } from './state';
import { SSH_GRANTS_KEY } from './storage-keys';

// SSH access (`POST .../ssh`): one Freestyle identity per request, granted this VM only, with one
// token. The room remembers every identity it made so that stopping or deleting the workspace revokes
// them all; issuing runs under the lifecycle lock, so a stop cannot slip between a grant and its record.

export type SshIssueResult = RoomResult<{ vmId: string; token: string; expiresAt: number }>;

/** What the caller rides on (a Better Auth session or an API key): its end revokes the grant too. */
export interface SshHolder {
  authSessionId?: string;
  keyId?: string;
}

export async function issueSsh(
  s: RoomState,
  actor: Actor,
  ttlSeconds: number,
  holder: SshHolder = {},
): Promise<SshIssueResult> {
  const running = await ensureRunning(s, actor, true);
  if (!running.ok) return running;
  return s.lock.run(async (): Promise<SshIssueResult> => {
    const meta = s.meta;
    if (!meta || meta.status !== 'running') return notRunning(meta?.status ?? 'stopped');
    if (!meta.vmId) return notRunning('provisioning');
    const vm = s.deps.vm;
    let identityId: string | undefined;
    try {
      identityId = (await vm.createIdentity()).id;
      await vm.grantVmPermission(identityId, { vmId: meta.vmId });
      const { token } = await vm.createIdentityToken(identityId, { expiresInSeconds: ttlSeconds });
      const expiresAt = Date.now() + ttlSeconds * 1000;
      // Expired grants are dropped here too, so the list stays short.
      const grants = [
        ...(await liveGrants(s)),
        { identityId, userId: actor.userId, expiresAt, ...holder } satisfies SshGrant,
      ];
      await s.ctx.storage.put(SSH_GRANTS_KEY, grants);
      await armSshExpiry(s, grants);
      return { ok: true, vmId: meta.vmId, token, expiresAt };
    } catch (e) {
      if (identityId) await vm.deleteIdentity(identityId).catch(() => undefined);
      return vmFailure(e);
    }
  });
}
