import type { LocalVmStats, VmData, VmState } from '../../core/vm';
import { isVmApiError, VM_HOST_UNREACHABLE } from '../../core/vm';
import type { WorkspaceStatus } from '../../core/workspace-state';
import { recordAudit } from '../../db/audit';
import { getWorkspace, updateStatusIf, type WorkspaceRow } from '../../db/queries/workspaces';
import type { RoomState } from './state';

// The workspace's status and its VM's real state can disagree: the VM host restarted (its VMs come
// back stopped), a VM stopped on its own, or a VM call failed halfway. The room compares the two when
// it wakes, on its watch timer and after a failed VM call, and repairs what disagrees. Nobody is asked:
// the repair makes the record tell the truth, or the VM do what the record says. A VM that stopped or
// vanished without the room asking has crashed: the workspace goes to `error` with `vm_crashed`, and
// Retry boots it again from its files (room/provisioning.ts keeps a provisioned workspace's files).
// A VM its host stopped on a clean shutdown (the local VM host's `hostShutdown`: Ctrl-C of `npm start`)
// did not crash: the workspace goes to `stopped` with `vm_host_stopped`, and Start brings it back.

export type Repair =
  | { kind: 'none' }
  /** The VM must be brought in line with the record. */
  | { kind: 'vm'; action: 'pause' | 'start' | 'stop' }
  /** The record must be brought in line with the VM: it crashed, or its host shut down cleanly. */
  | { kind: 'record'; status: 'error'; code: typeof VM_CRASHED; message: string }
  | { kind: 'record'; status: 'stopped'; code: typeof VM_HOST_STOPPED; message: string };

export const VM_CRASHED = 'vm_crashed';
export const VM_HOST_STOPPED = 'vm_host_stopped';
export const VM_HOST_STOPPED_MESSAGE =
  'Its VM host shut down (e.g. npm start was stopped). Files are kept: Start brings it back.';

function crashMessage(crash: LocalVmStats['crash'] | undefined): string {
  const why =
    crash?.reason === 'processes_died'
      ? 'its processes died'
      : crash?.reason === 'host_restarted'
        ? 'its VM host restarted'
        : 'nobody asked it to';
  return `The VM stopped unexpectedly (${why}). Retry restarts it from its files: nothing saved is lost.`;
}

/**
 * What to repair, given the workspace's status and its VM's state (`missing`: the VM is gone). `local`
 * is the local host's report: a crashed VM that a request booted again still crashed, and a VM stopped
 * by its host's clean shutdown did not crash.
 */
export function repairFor(
  status: WorkspaceStatus,
  vm: VmState | 'missing',
  local?: Pick<LocalVmStats, 'crash' | 'hostShutdown'>,
): Repair {
  const crash = local?.crash;
  if (status === 'provisioning' || status === 'error') return { kind: 'none' };
  const crashed = (message: string): Repair => ({
    kind: 'record',
    status: 'error',
    code: VM_CRASHED,
    message,
  });
  if (vm === 'missing') {
    return crashed(
      "The workspace's VM vanished (its VM host lost it). Retry sets it up again from the repository; changes that were not pushed are gone with it.",
    );
  }
  const ran = status === 'running' || status === 'paused';
  if (ran && vm === 'stopped' && !crash && local?.hostShutdown) {
    return { kind: 'record', status: 'stopped', code: VM_HOST_STOPPED, message: VM_HOST_STOPPED_MESSAGE };
  }
  if (ran && (vm === 'stopped' || crash)) {
    return crashed(crashMessage(crash));
  }
  if (vm === 'starting' || vm === 'pausing') return { kind: 'none' }; // on its way: look again later
  switch (status) {
    case 'running':
      if (vm === 'paused') return { kind: 'vm', action: 'start' };
      return { kind: 'none' };
    case 'paused':
      if (vm === 'running') return { kind: 'vm', action: 'pause' };
      return { kind: 'none' };
    case 'stopped':
      return vm === 'stopped' ? { kind: 'none' } : { kind: 'vm', action: 'stop' };
  }
}

/**
 * Compares and repairs; the caller holds the room's lifecycle lock. Answers the row when the record
 * changed (the caller announces it), else undefined. A VM host that cannot be reached changes nothing.
 */
export async function reconcileLocked(
  s: RoomState,
  /** Handed the VM data when nothing needed repair (the health check reads it: room/health.ts). */
  healthy?: (data: VmData, ws: WorkspaceRow) => void,
): Promise<WorkspaceRow | undefined> {
  return s.deps.withDb(async (db) => {
    const ws = await getWorkspace(db, s.workspaceId);
    if (!ws?.freestyleVmId || ws.status === 'provisioning' || ws.status === 'error') return undefined;
    let vm: VmState | 'missing';
    let data: VmData | undefined;
    try {
      data = await s.deps.vm.getVm(ws.freestyleVmId);
      vm = data.state;
    } catch (err) {
      if (isVmApiError(err) && err.status === 404 && err.code !== VM_HOST_UNREACHABLE) vm = 'missing';
      else return undefined;
    }
    const repair = repairFor(ws.status, vm, data?.local);
    if (repair.kind === 'none' && data) healthy?.(data, ws);
    if (repair.kind === 'none') return undefined;
    const audit = (detail: Record<string, unknown>) =>
      recordAudit(db, {
        organizationId: ws.organizationId,
        workspaceId: ws.id,
        actorType: 'system',
        action: 'reconciled',
        detail: { status: ws.status, vm, ...detail },
      });
    if (repair.kind === 'vm') {
      const id = ws.freestyleVmId;
      try {
        if (repair.action === 'pause') await s.deps.vm.pauseVm(id);
        else if (repair.action === 'start') await s.deps.vm.startVm(id);
        else await s.deps.vm.stopVm(id);
      } catch (err) {
        console.error(`reconcile: ${repair.action} of VM ${id} failed:`, err);
        return undefined;
      }
      await audit({ vmAction: repair.action });
      return undefined;
    }
    const updated = await updateStatusIf(db, ws.id, ws.status, repair.status, {
      statusMessage: repair.message,
      statusCode: repair.code,
    });
    if (updated)
      await audit({
        to: repair.status,
        code: repair.code,
        crash: data?.local?.crash ?? null,
        hostShutdown: data?.local?.hostShutdown ?? null,
      });
    return updated;
  });
}
