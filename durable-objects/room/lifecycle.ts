import { isVmApiError } from '../../core/vm';
import { transition, type WorkspaceAction } from '../../core/workspace-state';
import {
  deleteWorkspaceRow,
  getWorkspace,
  updateStatusIf,
  type WorkspaceRow,
} from '../../db/queries/workspaces';
import { recordAudit, type AuditEntry } from '../../db/audit';
import type { RoomDeps } from './context';
import { invalidTransition, notFoundResult, vmFailure, type RoomResult } from './results';

export interface Actor {
  type: AuditEntry['actorType'];
  userId: string | null;
}

export const SYSTEM: Actor = { type: 'system', userId: null };

/** What the VM must do for a transition. Retry has no VM effect: provisioning starts over. */
async function applyToVm(deps: RoomDeps, action: WorkspaceAction, vmId: string | null) {
  if (!vmId) return;
  switch (action) {
    case 'pause':
    case 'idle_pause':
      return void (await deps.vm.pauseVm(vmId));
    case 'resume':
    case 'start':
      return void (await deps.vm.startVm(vmId));
    case 'stop':
    case 'idle_stop':
      return void (await deps.vm.stopVm(vmId));
  }
}

/**
 * One transition, run under the room's lock: conditional update first (so of racing calls one wins),
 * then the VM; if the VM fails the row goes back, so Postgres and the VM host still agree.
 */
export async function runTransition(
  deps: RoomDeps,
  workspaceId: string,
  action: WorkspaceAction,
  actor: Actor,
  detail?: Record<string, unknown>,
): Promise<RoomResult> {
  return deps.withDb(async (db) => {
    const ws = await getWorkspace(db, workspaceId);
    if (!ws) return notFoundResult();
    const to = transition(ws.status, action);
    if (!to) return invalidTransition(ws.status, action);
    const extra = action === 'retry' ? { provisionAttempts: 0, statusMessage: null } : {};
    const updated = await updateStatusIf(db, workspaceId, ws.status, to, extra);
    if (!updated) {
      const now = await getWorkspace(db, workspaceId);
      return now ? invalidTransition(now.status, action) : notFoundResult();
    }
    try {
      await applyToVm(deps, action, ws.freestyleVmId);
    } catch (err) {
      await updateStatusIf(db, workspaceId, to, ws.status);
      return vmFailure(err);
    }
    await recordAudit(db, {
      organizationId: ws.organizationId,
      workspaceId,
      actorType: actor.type,
      actorUserId: actor.userId,
      action,
      detail: { from: ws.status, to, ...detail },
    });
    return { ok: true, workspace: updated };
  });
}

export async function deleteWorkspaceAndVm(
  deps: RoomDeps,
  workspaceId: string,
  actor: Actor,
): Promise<RoomResult<{ workspace: WorkspaceRow }>> {
  return deps.withDb(async (db) => {
    const ws = await getWorkspace(db, workspaceId);
    if (!ws) return notFoundResult();
    if (ws.freestyleVmId) {
      try {
        await deps.vm.deleteVm(ws.freestyleVmId);
      } catch (err) {
        // Already gone is fine; anything else keeps the row so the VM is not orphaned.
        if (!(isVmApiError(err) && err.status === 404)) {
          return vmFailure(err);
        }
      }
    }
    await deleteWorkspaceRow(db, workspaceId);
    await recordAudit(db, {
      organizationId: ws.organizationId,
      workspaceId,
      actorType: actor.type,
      actorUserId: actor.userId,
      action: 'delete',
      detail: { from: ws.status, name: ws.name },
    });
    return { ok: true, workspace: ws };
  });
}
