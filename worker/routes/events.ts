import { Hono } from 'hono';
import { ErrorCode } from '../../core/errors';
import { apiError } from '../lib/errors';
import { authorize } from '../lib/membership';
import type { AppEnv } from '../types';

/** `GET /api/organizations/:id/events`: the organization's live state socket (see OrgEvents). */
export const orgEvents = new Hono<AppEnv>().get('/:id/events', async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    throw apiError(400, ErrorCode.validation, 'This route is a WebSocket: send Upgrade: websocket.');
  }
  const { db, principal } = c.var;
  const organizationId = c.req.param('id');
  await authorize(db, principal, organizationId, 'workspace.read');
  const stub = c.env.ORG_EVENTS.get(c.env.ORG_EVENTS.idFromName(organizationId));
  return stub.fetch('https://org/events', {
    headers: {
      Upgrade: 'websocket',
      'x-cw-organization': organizationId,
      'x-cw-user': principal.userId,
      ...(principal.sessionId ? { 'x-cw-session': principal.sessionId } : {}),
      ...(principal.key
        ? { 'x-cw-key': principal.key.id, 'x-cw-key-expires': String(principal.key.expiresAt ?? '') }
        : {}),
    },
  });
});
