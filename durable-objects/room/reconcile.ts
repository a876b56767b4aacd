import type { VmState } from '../../core/vm';
import { isVmApiError, VM_HOST_UNREACHABLE } from '../../core/vm';
import type { WorkspaceStatus } from '../../core/workspace-state';
import { recordAudit } from '../../db/audit';
import { getWorkspace, updateStatusIf, type WorkspaceRow } from '../../db/queries/workspaces';
import type { RoomState } from './state';

// The workspace's status and its VM's real state can disagree: the VM host restarted (its VMs come
// back stopped), a VM stopped on its own, or a VM call failed halfway. The room compares the two when
// it wakes, on its watch timer and after a failed VM call, and repairs what disagrees. Nobody is asked:
// the repair makes the record tell the truth, or the VM do what the record says.

export type Repair =
  | { kind: 'none' }
  /** The VM must be brought in line with the record. */
  | { kind: 'vm'; action: 'pause' | 'start' | 'stop' }
  /** The record must be brought in line with the VM. */
  | { kind: 'record'; status: 'stopped' | 'error'; message: string };

/** What to repair, given the workspace's status and its VM's state (`missing`: the VM is gone). */
export function repairFor(status: WorkspaceStatus, vm: VmState | 'missing'): Repair {
  if (status === 'provisioning' || status === 'error') return { kind: 'none' };
  if (vm === 'missing') {
    return {
      kind: 'record',
      status: 'error',
      message: "The workspace's VM no longer exists. Retry sets it up again from the repository.",
    };
  }
  if (vm === 'starting' || vm === 'pausing') return { kind: 'none' }; // on its way: look again later
  switch (status) {
    case 'running':
      if (vm === 'paused') return { kind: 'vm', action: 'start' };
      if (vm === 'stopped') {
        return {
          kind: 'record',
          status: 'stopped',
          message: 'The VM stopped (its host restarted). Start the workspace again: its files are kept.',
        };
      }
      return { kind: 'none' };
    case 'paused':
      if (vm === 'running') return { kind: 'vm', action: 'pause' };
      if (vm === 'stopped') {
        return {
          kind: 'record',
          status: 'stopped',
          message:
            'The VM stopped while paused (its host restarted). Start the workspace again: its files are kept.',
        };
      }
      return { kind: 'none' };
    case 'stopped':
      return vm === 'stopped' ? { kind: 'none' } : { kind: 'vm', action: 'stop' };
  }
}

/**
 * Compares and repairs; the caller holds the room's lifecycle lock. Answers the row when the record
 * changed (the caller announces it), else undefined. A VM host that cannot be reached changes nothing.
 */
export async function reconcileLocked(s: RoomState): Promise<WorkspaceRow | undefined> {
  return s.deps.withDb(async (db) => {
    const ws = await getWorkspace(db, s.workspaceId);
    if (!ws?.freestyleVmId || ws.status === 'provisioning' || ws.status === 'error') return undefined;
    let vm: VmState | 'missing';
    try {
      vm = (await s.deps.vm.getVm(ws.freestyleVmId)).state;
    } catch (err) {
      if (isVmApiError(err) && err.status === 404 && err.code !== VM_HOST_UNREACHABLE) vm = 'missing';
      else return undefined;
    }
    const repair = repairFor(ws.status, vm);
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
    });
    if (updated) await audit({ to: repair.status });
    return updated;
  });
}
