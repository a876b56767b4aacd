import { Hono } from 'hono';
import { CommandInput } from '../../core/schemas/workspaces';
import { json } from '../lib/validate';
import { loadWorkspace } from '../lib/load';
import { rateLimit } from '../lib/rate-limit';
import { actorOf, roomFor, unwrap } from '../lib/rooms';
import type { ExecResponse } from '../../core/api/workspaces';
import type { Reply } from '../lib/reply';
import type { AppEnv } from '../types';

// The plan's command endpoint, for integrations and phones: the same as POST /api/workspaces/:id/exec.
export const command = new Hono<AppEnv>().post('/', json(CommandInput), async (c): Reply<ExecResponse> => {
  const { workspaceId, ...input } = c.req.valid('json');
  const { db, principal } = c.var;
  const ws = await loadWorkspace(db, principal, workspaceId, 'workspace.use');
  await rateLimit(db, 'exec:user', principal.userId);
  const { result } = unwrap(await roomFor(c.env, ws.id).exec(actorOf(principal), input));
  return c.json(result, 200);
});
