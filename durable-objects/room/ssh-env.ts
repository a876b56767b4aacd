import { UNISOLATED_EXIT, sshGrantsScript } from '../../core/ssh-env';
import { workspaceEnvironment } from './environment';
import { envScript, toBase64 } from '../vm-setup/script';
import type { RoomState } from './state';
import { SETUP_ENV_KEY } from './storage-keys';

// The files in the VM that give each SSH grant its environment (core/ssh-env.ts, docs/ssh.md). The
// values are computed here, when the grant is issued, for the user it is issued to, and reach the VM
// only in exec's stdin.

/** What of an SSH grant (room/ssh-grants.ts) its files depend on. */
export interface GrantUser {
  linuxUser?: string;
  userId: string | null;
}

export type InstallResult = 'installed' | 'unisolated';

/** Writes `grant`'s user and environment file; `keep` are the other live grants' users. */
export async function installGrantEnv(
  s: RoomState,
  vmId: string,
  linuxUser: string,
  userId: string | null,
  keep: string[],
): Promise<InstallResult> {
  const base = await s.ctx.storage.get<Record<string, string>>(SETUP_ENV_KEY);
  const env = await workspaceEnvironment(s, userId, base);
  const r = await s.deps.vm.exec(vmId, {
    command: sshGrantsScript(keep, linuxUser),
    stdin: toBase64(envScript(env)),
    timeoutMs: 15_000,
  });
  if (r.statusCode === UNISOLATED_EXIT) return 'unisolated';
  // stderr is the script's own (no value is ever on a command line or echoed).
  if (r.statusCode !== 0) throw new Error(`the SSH environment could not be written (exit ${r.statusCode})`);
  return 'installed';
}

/** Removes the files of every grant but `keep`'s; best effort (a stopped VM's /run is gone anyway). */
export async function sweepGrantEnv(s: RoomState, keep: GrantUser[]): Promise<void> {
  const vmId = s.meta?.vmId;
  if (!vmId || s.meta?.status !== 'running') return;
  const users = keep.flatMap((g) => (g.linuxUser ? [g.linuxUser] : []));
  await s.deps.vm
    .exec(vmId, { command: sshGrantsScript(users), timeoutMs: 10_000 })
    .catch((err: unknown) => console.error('removing SSH environment files failed:', err));
}

/**
 * Before a snapshot: every grant's files go (no value may be in a prebuild), and come back after it,
 * computed afresh for each grant's user.
 */
export async function aroundSnapshot<T>(
  s: RoomState,
  vmId: string,
  grants: GrantUser[],
  take: () => Promise<T>,
) {
  const withUser = grants.filter((g) => g.linuxUser);
  if (withUser.length === 0) return take();
  const wiped = await s.deps.vm.exec(vmId, { command: sshGrantsScript([]), timeoutMs: 10_000 });
  if (wiped.statusCode !== 0)
    throw new Error(`SSH environment files could not be removed before the snapshot`);
  try {
    return await take();
  } finally {
    const users = withUser.map((g) => g.linuxUser!);
    for (const g of withUser) {
      await installGrantEnv(s, vmId, g.linuxUser!, g.userId, users).catch((err: unknown) =>
        console.error('restoring an SSH environment after the snapshot failed:', err),
      );
    }
  }
}
