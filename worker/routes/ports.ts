import { Hono } from 'hono';
import { z } from 'zod';
import { ErrorCode } from '../../core/errors';
import { PORT_VISIBILITIES, isPort } from '../../core/ports';
import type { PortListResponse, PortResponse } from '../../core/api/ports';
import { apiError } from '../lib/errors';
import { loadWorkspace } from '../lib/load';
import type { Reply } from '../lib/reply';
import { actorOf, roomFor, unwrap } from '../lib/rooms';
import { json } from '../lib/validate';
import type { AppEnv } from '../types';

const VisibilityInput = z.object({ visibility: z.enum(PORT_VISIBILITIES) }).strict();

function portParam(raw: string): number {
  const n = /^[0-9]{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!isPort(n))
    throw apiError(400, ErrorCode.validation, 'port must be a whole number from 1 to 65535.', {
      field: 'port',
    });
  return n;
}

/** A workspace's listening ports with their preview URLs, and who may open them. */
export const ports = new Hono<AppEnv>()
  .get('/:id/ports', async (c): Reply<PortListResponse> => {
    const { db, principal } = c.var;
    const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.read');
    const { ports } = unwrap(await roomFor(c.env, ws.id).listPorts());
    return c.json({ ports }, 200);
  })
  .patch('/:id/ports/:port', json(VisibilityInput), async (c): Reply<PortResponse> => {
    const { db, principal } = c.var;
    const port = portParam(c.req.param('port'));
    const ws = await loadWorkspace(db, principal, c.req.param('id'), 'port.setVisibility');
    const { visibility } = c.req.valid('json');
    const r = unwrap(await roomFor(c.env, ws.id).setPortVisibility(port, visibility, actorOf(principal)));
    return c.json({ port: r.port }, 200);
  });
