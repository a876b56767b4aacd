import type { Actor, RoomResult } from './contract';
import { newSshLinuxUser } from '../../core/ssh-env';
import { ensureRunning } from './lifecycle';
import { notRunning, vmFailure } from './results';
import { installGrantEnv, sweepGrantEnv } from './ssh-env';
import { armSshExpiry, liveGrants, type SshGrant } from './ssh-grants';
import type { RoomState } from './state';
import { SSH_GRANTS_KEY } from './storage-keys';

// SSH access (`POST .../ssh`): one Freestyle identity per request, granted this VM only, with one
// token. The room remembers every identity it made so that stopping or deleting the workspace revokes
// them all; issuing runs under the lifecycle lock, so a stop cannot slip between a grant and its record.
// Each grant also gets its own Linux user whose login shell holds the workspace's environment for the
// member it is issued to (room/ssh-env.ts), computed now: a new grant sees changed secrets.

export type SshIssueResult = RoomResult<{
  vmId: string;
  token: string;
  expiresAt: number;
  /** The grant's Linux user (`<vmId>+<linuxUser>:<token>`); absent where the VM host cannot hold one. */
  linuxUser?: string;
}>;

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
      // Expired grants are dropped here too, so the list stays short.
      const live = await liveGrants(s);
      // The grant's own Linux user carries the environment of the member it is issued to (their
      // personal secrets, nobody else's): the identity may log in as that user only.
      let linuxUser: string | undefined = newSshLinuxUser();
      const keep = live.flatMap((g) => (g.linuxUser ? [g.linuxUser] : []));
      if ((await installGrantEnv(s, meta.vmId, linuxUser, actor.userId, keep)) === 'unisolated') {
        linuxUser = undefined;
      }
      await vm.grantVmPermission(identityId, {
        vmId: meta.vmId,
        ...(linuxUser ? { allowedLinuxUsers: [linuxUser] } : {}),
      });
      const { token } = await vm.createIdentityToken(identityId, { expiresInSeconds: ttlSeconds });
      const expiresAt = Date.now() + ttlSeconds * 1000;
      const grants = [
        ...live,
        {
          identityId,
          userId: actor.userId,
          expiresAt,
          ...holder,
          ...(linuxUser ? { linuxUser } : {}),
        } satisfies SshGrant,
      ];
      await s.ctx.storage.put(SSH_GRANTS_KEY, grants);
      await armSshExpiry(s, grants);
      return { ok: true, vmId: meta.vmId, token, expiresAt, ...(linuxUser ? { linuxUser } : {}) };
    } catch (e) {
      if (identityId) await vm.deleteIdentity(identityId).catch(() => undefined);
      await sweepGrantEnv(s, await liveGrants(s));
      return vmFailure(e);
    }
  });
}
