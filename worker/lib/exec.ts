import type { Context } from 'hono';
import type { ExecInput } from '../../core/schemas/workspaces';
import { workspaceSecretRowsQuery } from '../../db/queries/secrets';
import { loadWorkspaceWith } from './load';
import { enforceRateLimit, rateLimitQuery } from './rate-limit';
import { actorOf, roomFor } from './rooms';
import type { AppEnv } from '../types';

/**
 * Runs a command in workspace `id` for the caller (`POST .../exec` and `POST /api/command`). One round
 * trip before the room: the workspace with the caller's role and session, their exec rate limit, and
 * the sealed secrets of the workspace's organization and repository and the caller's own, handed to
 * the room (which opens them) only once the check passed. Read per request, so a changed secret
 * reaches the very next exec.
 */
export async function execVia(c: Context<AppEnv>, id: string, input: ExecInput) {
  const { db, principal } = c.var;
  const { workspace: ws, results } = await loadWorkspaceWith(db, principal, id, 'workspace.use', [
    rateLimitQuery(db, 'exec:user', principal.userId),
    workspaceSecretRowsQuery(db, id, principal.userId),
  ]);
  enforceRateLimit('exec:user', results[0]);
  return roomFor(c.env, ws.id).exec(actorOf(principal), input, results[1]);
}
