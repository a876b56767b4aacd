import type { WorkspaceAction } from '../../core/workspace-state';
import type { Actor, RoomFailure } from '../../durable-objects/room/contract';
import type { Principal } from '../types';
import { apiError } from './errors';

/** The workspace's room: its Durable Object is named by the workspace id. */
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
  const extra = {
    ...(failure.currentStatus ? { status: failure.currentStatus } : {}),
    ...(failure.limit ? { limit: failure.limit } : {}),
  };
  throw apiError(failure.status, failure.code, failure.message, extra);
}

export async function transitionVia(
  env: Env,
  workspaceId: string,
  action: WorkspaceAction,
  principal: Principal,
) {
  return unwrap(await roomFor(env, workspaceId).transition(action, actorOf(principal)));
}
