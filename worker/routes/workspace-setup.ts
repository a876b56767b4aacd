import { Hono } from 'hono';
import type { WorkspaceResponse } from '../../core/api/workspaces';
import { loadWorkspace } from '../lib/load';
import { actorOf, roomFor, unwrap } from '../lib/rooms';
import type { Reply } from '../lib/reply';
import type { AppEnv } from '../types';

/** `POST /api/workspaces/:id/setup`: runs the repository's setup again in the Setup window (docs/setup.md). */
export const workspaceSetup = new Hono<AppEnv>().post('/:id/setup', async (c): Reply<WorkspaceResponse> => {
  const { db, principal } = c.var;
  const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.setup');
  const { workspace } = unwrap(await roomFor(c.env, ws.id).rerunSetup(actorOf(principal)));
  return c.json({ workspace }, 200);
});
