import type { WorkspaceAction, WorkspaceStatus } from '../../core/workspace-state';
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

/**
 * A lifecycle action through the room. `ws` is the row the authorization statement just read: the
 * room's conditional update starts from its status (and reads the row itself only if it moved since).
 */
export async function transitionVia(
  env: Env,
  ws: { id: string; status: WorkspaceStatus; organizationId: string },
  action: WorkspaceAction,
  principal: Principal,
) {
  const seen = { status: ws.status, organizationId: ws.organizationId };
  return unwrap(await roomFor(env, ws.id).transition(action, actorOf(principal), undefined, seen));
}
