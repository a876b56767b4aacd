import type { WorkspaceAction } from '../../core/workspace-state';
import type { Actor } from '../../durable-objects/room/lifecycle';
import type { RoomFailure } from '../../durable-objects/room/results';

import type { Principal } from '../types';
import { apiError } from './errors';

export const roomFor = (env: Env, workspaceId: string) =>
  env.WORKSPACE_ROOM.get(env.WORKSPACE_ROOM.idFromName(workspaceId));

export const actorOf = (p: Principal): Actor => ({
  type: p.via === 'api_key' ? 'api_key' : 'user',
  userId: p.userId,
});

/** Unwraps a room's plain-data result, or throws it as our JSON error. */
export function unwrap<R extends { ok: boolean }>(result: R): Extract<R, { ok: true }> {
  if (result.ok) return result as Extract<R, { ok: true }>;
  const failure = result as unknown as RoomFailure;
  const extra = failure.currentStatus ? { status: failure.currentStatus } : undefined;
  throw apiError(failure.status, failure.code, failure.message, extra);
}

export async function transitionVia(
  env: Env,
  workspaceId: string,
  action: WorkspaceAction,
  principal: Principal,
) {
  return unwrap(await roomFor(env, workspaceId).transition(workspaceId, action, actorOf(principal)));
}
