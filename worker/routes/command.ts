import { Hono } from 'hono';
import { CommandInput } from '../../core/schemas/workspaces';
import { json } from '../lib/validate';
import { execVia } from '../lib/exec';
import { unwrap } from '../lib/rooms';
import type { ExecResponse } from '../../core/api/workspaces';
import type { Reply } from '../lib/reply';
import type { AppEnv } from '../types';

// The plan's command endpoint, for integrations and phones: the same as POST /api/workspaces/:id/exec.
export const command = new Hono<AppEnv>().post('/', json(CommandInput), async (c): Reply<ExecResponse> => {
  const { workspaceId, ...input } = c.req.valid('json');
  const { result } = unwrap(await execVia(c, workspaceId, input));
  return c.json(result, 200);
});
