import { Hono } from 'hono';
import { CommandInput } from '../../core/schemas/workspaces';
import { json } from '../lib/validate';
import { loadWorkspace } from '../lib/load';
import { execInWorkspace } from '../lib/exec';
import type { AppEnv } from '../types';

// The plan's command endpoint, for integrations and phones: the same as POST /api/workspaces/:id/exec.
export const command = new Hono<AppEnv>().post('/', json(CommandInput), async (c) => {
  const { workspaceId, ...input } = c.req.valid('json');
  const { db, principal, config } = c.var;
  const ws = await loadWorkspace(db, principal.userId, workspaceId);
  return c.json(await execInWorkspace(db, c.env, config, ws, principal, input), 200);
});
