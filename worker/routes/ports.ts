import { Hono } from 'hono';
import { z } from 'zod';
import { ErrorCode } from '../../core/errors';
import { PORT_VISIBILITIES, isPort } from '../../core/ports';
import type { PortListResponse, PortResponse } from '../../core/api/ports';
import { apiError } from '../lib/errors';
import { loadWorkspace } from '../lib/load';
import type { Reply } from '../lib/reply';
import { actorOf, roomFor, unwrap } from '../lib/rooms';
import { json, query } from '../lib/validate';
import { PageQuery } from '../../core/schemas/page';
import { toKeyPage } from '../../db/queries/page';
import { keyCursorParam } from '../lib/page';
import { forgetWorkspaceGates } from '../preview/gate-cache';
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
  .get('/:id/ports', query(PageQuery), async (c): Reply<PortListResponse> => {
    const { db, principal } = c.var;
    const { limit, cursor } = c.req.valid('query');
    const after = keyCursorParam('port', cursor, (k) => /^[0-9]{1,5}$/.test(k) && isPort(Number(k)));
    const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.read');
    const { ports } = unwrap(await roomFor(c.env, ws.id).listPorts());
    // The room answers every port (a VM has few), by number; the page is cut here.
    const rest = after === undefined ? ports : ports.filter((p) => p.port > Number(after));
    const page = toKeyPage('port', rest.slice(0, limit + 1), limit, (p) => p.port);
    return c.json({ ports: page.rows, nextCursor: page.nextCursor }, 200);
  })
  .patch('/:id/ports/:port', json(VisibilityInput), async (c): Reply<PortResponse> => {
    const { db, principal } = c.var;
    const port = portParam(c.req.param('port'));
    const ws = await loadWorkspace(db, principal, c.req.param('id'), 'port.setVisibility');
    const { visibility } = c.req.valid('json');
    const r = unwrap(await roomFor(c.env, ws.id).setPortVisibility(port, visibility, actorOf(principal)));
    forgetWorkspaceGates(ws.id); // a port made private stops serving anyone here now, elsewhere within 0.5 s
    return c.json({ port: r.port }, 200);
  });
