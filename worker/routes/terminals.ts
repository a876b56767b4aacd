import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { and, eq } from 'drizzle-orm';
import { cloudWorkspaceSessions } from '../../db/schema';
import { ErrorCode } from '../../core/errors';
import { isUuid } from '../../core/ids';
import { TERMINAL_CLIENT_TYPES } from '../../core/schemas/sessions';
import { boundedIntQuery, displayName, text } from '../../core/schemas/text';
import type { AttachRequest, TicketPrincipal } from '../../durable-objects/workspace-room';
import { apiError, notFound } from '../lib/errors';
import { json, query } from '../lib/validate';
import { loadWorkspace } from '../lib/load';
import { roomFor, unwrap } from '../lib/rooms';
import { requireAuth } from '../middleware/auth';
import type { TerminalListResponse, TerminalTicketResponse, TerminalWindow } from '../../core/api/terminals';
import type { Reply } from '../lib/reply';
import type { AppEnv, Principal } from '../types';

const CreateTerminalInput = z.object({ name: displayName(100).optional() });

// Sizes under a sane minimum are raised to it rather than refused: a 2x1 viewer must not squeeze the
// window everyone shares.
const MIN_SIZE = { cols: 20, rows: 5 };
const size = (min: number, fallback: number) =>
  boundedIntQuery(1, 1000)
    .transform((v) => Math.max(v, min))
    .optional()
    .default(fallback);

const SocketQuery = z.object({
  cols: size(MIN_SIZE.cols, 80),
  rows: size(MIN_SIZE.rows, 24),
  clientType: z.enum(TERMINAL_CLIENT_TYPES).optional().default('web'),
  sessionId: z.uuid().optional(),
  ticket: text(200).optional(),
});

/** The caller as the room keeps it: with its session or key, so a revocation finds its sockets. */
const ticketPrincipal = (p: Principal): TicketPrincipal => ({
  userId: p.userId,
  name: p.name,
  email: p.email,
  image: p.image,
  via: p.via,
  authSessionId: p.sessionId,
  key: p.key,
});

/**
 * Who opens a terminal socket: a single-use ticket (`?ticket=`, for browsers, which cannot set
 * headers on a WebSocket), else the session cookie or `Authorization: Bearer <api key>`.
 */
const socketAuth = createMiddleware<AppEnv>(async (c, next) => {
  const ticket = c.req.query('ticket');
  if (ticket === undefined) return requireAuth(c, next);
  const id = c.req.param('id') ?? '';
  const principal = isUuid(id) ? await roomFor(c.env, id).redeemTicket(ticket) : null;
  if (!principal) throw apiError(401, ErrorCode.unauthorized, 'The ticket is invalid, used or expired.');
  const { authSessionId, ...rest } = principal;
  c.set('principal', { ...rest, sessionId: authSessionId });
  await next();
});

/** The terminal WebSocket. Mounted before `requireAuth` (it authenticates tickets itself). */
export const terminalSocket = new Hono<AppEnv>().get(
  '/:id/terminals/:windowId',
  socketAuth,
  query(SocketQuery),
  async (c) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw apiError(400, ErrorCode.validation, 'This route is a WebSocket: send Upgrade: websocket.');
    }
    const { db, principal } = c.var;
    // Membership is checked here: nobody else gets a single byte.
    const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.use');
    const windowId = c.req.param('windowId');
    if (!isUuid(windowId)) throw notFound('Terminal window');
    const q = c.req.valid('query');
    // The socket heartbeats the presence session it names: only one of the caller's, in this workspace.
    if (q.sessionId) {
      const [own] = await db
        .select({ id: cloudWorkspaceSessions.id })
        .from(cloudWorkspaceSessions)
        .where(
          and(
            eq(cloudWorkspaceSessions.id, q.sessionId),
            eq(cloudWorkspaceSessions.userId, principal.userId),
            eq(cloudWorkspaceSessions.workspaceId, ws.id),
          ),
        )
        .limit(1);
      if (!own) throw notFound('Session');
    }
    // While provisioning, only the Setup window can be watched (its output is the provisioning's).
    const setupWindow =
      ws.status === 'provisioning' && ws.setup.status === 'running' && ws.setup.windowId === windowId;
    if (ws.status !== 'running' && ws.status !== 'paused' && !setupWindow) {
      throw apiError(409, ErrorCode.notRunning, `The workspace is ${ws.status}; start it first.`, {
        status: ws.status,
      });
    }
    const attach: AttachRequest = {
      workspace: {
        id: ws.id,
        organizationId: ws.organizationId,
        status: ws.status,
        freestyleVmId: ws.freestyleVmId,
        autoStopMinutes: ws.autoStopMinutes,
        name: ws.name,
      },
      principal: ticketPrincipal(principal),
      windowId,
      cols: q.cols,
      rows: q.rows,
      clientType: q.clientType,
      sessionId: q.sessionId,
    };
    return roomFor(c.env, ws.id).fetch('https://room/terminal', {
      headers: { Upgrade: 'websocket', 'x-cw-attach': JSON.stringify(attach) },
    });
  },
);

/** Terminal windows of a workspace, and tickets for browser sockets. */
export const terminals = new Hono<AppEnv>()
  .post('/:id/terminals', json(CreateTerminalInput), async (c): Reply<TerminalWindow, 201> => {
    const { db, principal } = c.var;
    const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.use');
    const { window: win } = unwrap(
      await roomFor(c.env, ws.id).createWindow(c.req.valid('json').name, principal.userId),
    );
    return c.json({ windowId: win.windowId, name: win.name, createdAt: win.createdAt }, 201);
  })
  .get('/:id/terminals', async (c): Reply<TerminalListResponse> => {
    const { db, principal } = c.var;
    const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.read');
    const windows = await roomFor(c.env, ws.id).listWindows();
    return c.json(
      {
        terminals: windows.map((w) => ({
          windowId: w.windowId,
          name: w.name,
          createdAt: w.createdAt,
          viewers: w.viewers,
          ...(w.kind ? { kind: w.kind } : {}),
        })),
      },
      200,
    );
  })
  .patch(
    '/:id/terminals/:windowId',
    json(CreateTerminalInput.required()),
    async (c): Reply<TerminalWindow> => {
      const { db, principal } = c.var;
      const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.use');
      const windowId = c.req.param('windowId');
      const renamed = isUuid(windowId)
        ? await roomFor(c.env, ws.id).renameWindow(windowId, c.req.valid('json').name)
        : undefined;
      if (!renamed) throw notFound('Terminal window');
      return c.json({ windowId: renamed.windowId, name: renamed.name, createdAt: renamed.createdAt }, 200);
    },
  )
  .delete('/:id/terminals/:windowId', async (c) => {
    const { db, principal } = c.var;
    const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.use');
    const windowId = c.req.param('windowId');
    if (!isUuid(windowId) || !(await roomFor(c.env, ws.id).closeWindow(windowId))) {
      throw notFound('Terminal window');
    }
    return c.body(null, 204);
  })
  .post('/:id/terminal-ticket', async (c): Reply<TerminalTicketResponse, 201> => {
    const { db, principal } = c.var;
    const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.use');
    const { ticket, expiresAt } = await roomFor(c.env, ws.id).issueTicket(ticketPrincipal(principal));
    return c.json({ ticket, expiresAt }, 201);
  });
