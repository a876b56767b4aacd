import type { Context } from 'hono';
import { eq } from 'drizzle-orm';
import { cloudWorkspaces } from '../../db/schema';
import type { AppEnv } from '../types';
import { roomFor } from './rooms';

// Better Auth removes members itself (`remove-member`, `leave`; only the first has a hook), so the
// Worker reacts to its answer: whoever left an organization loses SSH access to all its workspaces,
// and their open SSH sessions end.
const MEMBER_LEAVES = /\/organization\/(remove-member|leave)$/;

export async function afterAuthResponse(c: Context<AppEnv>, res: Response): Promise<Response> {
  if (!res.ok || !MEMBER_LEAVES.test(new URL(c.req.url).pathname)) return res;
  const body = (await res
    .clone()
    .json()
    .catch(() => null)) as { member?: Gone } | Gone | null;
  const gone = body && 'member' in body ? body.member : (body as Gone | null);
  if (!gone?.userId || !gone.organizationId) return res;
  const ids = await c.var.db
    .select({ id: cloudWorkspaces.id })
    .from(cloudWorkspaces)
    .where(eq(cloudWorkspaces.organizationId, gone.organizationId));
  await Promise.allSettled(ids.map(({ id }) => roomFor(c.env, id).revokeSsh(gone.userId)));
  return res;
}

interface Gone {
  userId?: string;
  organizationId?: string;
}
