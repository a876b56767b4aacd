import { eq, inArray } from 'drizzle-orm';
import { cloudWorkspaces, member } from '../../db/schema';
import type { Database } from '../../db/client';
import type { RevokeMatch } from '../../durable-objects/room/contract';
import { forgetWorkspaceGates } from '../preview/gate-cache';
import { roomFor } from './rooms';

/** The organizations a user belongs to (a signed-out session may have sockets in any of them). */
export async function organizationsOf(db: Database, userId: string): Promise<string[]> {
  const rows = await db.select({ id: member.organizationId }).from(member).where(eq(member.userId, userId));
  return rows.map((r) => r.id);
}

/**
 * Ends a principal's open sockets at once: the organizations' live sockets and the terminal sockets
 * in the rooms of their workspaces (close code 4004). Called when a member is removed, a session ends
 * or a key is deleted; a room that fails to answer is logged, the others still close.
 */
export async function revokeSockets(env: Env, db: Database, organizationIds: string[], match: RevokeMatch) {
  if (!organizationIds.length || (!match.userId && !match.authSessionId && !match.keyId)) return;
  const workspaces = await db
    .select({ id: cloudWorkspaces.id })
    .from(cloudWorkspaces)
    .where(inArray(cloudWorkspaces.organizationId, organizationIds));
  const results = await Promise.allSettled([
    ...organizationIds.map((o) => env.ORG_EVENTS.get(env.ORG_EVENTS.idFromName(o)).revoke(match)),
    ...workspaces.map((w) => roomFor(env, w.id).revoke(match)),
  ]);
  // Preview decisions this isolate keeps for a moment (worker/preview/gate-cache.ts) go too.
  for (const w of workspaces) forgetWorkspaceGates(w.id);
  for (const r of results) if (r.status === 'rejected') console.error('revoking sockets failed:', r.reason);
}
