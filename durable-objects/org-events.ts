import { DurableObject } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { cloudWorkspaces } from '../db/schema';
import {
  CloseCode,
  OrgClientMsgSchema,
  emptyPresence,
  parseFrame,
  type OrgServerMsg,
  type Presence,
  type VmHealth,
  type WorkspaceEvent,
  type WorkspaceState,
} from '../core/protocol';
import { parseConfig } from '../core/config';
import { createDb } from '../db/client';
import type { WorkspaceRow } from '../db/queries/workspaces';

const STATE_PREFIX = 'ws:';
const PRESENCE_PREFIX = 'presence:';

export const workspaceState = (ws: WorkspaceRow): WorkspaceState => ({
  workspaceId: ws.id,
  name: ws.name,
  status: ws.status,
  statusMessage: ws.statusMessage,
  statusCode: ws.statusCode,
  statusChangedAt: new Date(ws.statusChangedAt).getTime(),
  lastCommitSha: ws.lastCommitSha,
});

interface SocketPrincipal {
  userId: string | null;
  authSessionId?: string;
  keyId?: string;
  keyExpiresAt?: number | null;
}

function closeRevoked(ws: WebSocket) {
  try {
    ws.close(CloseCode.revoked, 'access revoked');
  } catch {
    // already closed
  }
}

function send(ws: WebSocket, msg: OrgServerMsg) {
  try {
    ws.send(JSON.stringify(msg));
  } catch {
    // closing
  }
}

/**
 * One per organization, addressed by its id: the live state socket of the organization's clients
 * (`GET /api/organizations/:id/events`). Rooms publish status changes, presence and events here; a
 * client that (re)connects first gets a snapshot of every workspace. Sockets hibernate; the last
 * published state of each workspace is kept in storage so a snapshot never goes back in time.
 */
export class OrgEvents extends DurableObject<Env> {
  async fetch(request: Request): Promise<Response> {
    const organizationId = request.headers.get('x-cw-organization');
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket' || !organizationId) {
      return new Response('expected a WebSocket upgrade', { status: 426 });
    }
    await this.ctx.storage.put('organizationId', organizationId);
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    // Who holds the socket, so a revocation can find it after hibernation.
    const keyExpiresAt = Number(request.headers.get('x-cw-key-expires')) || null;
    server.serializeAttachment({
      userId: request.headers.get('x-cw-user'),
      authSessionId: request.headers.get('x-cw-session') ?? undefined,
      keyId: request.headers.get('x-cw-key') ?? undefined,
      keyExpiresAt,
    } satisfies SocketPrincipal);
    if (keyExpiresAt) await this.armExpiry(keyExpiresAt);
    this.ctx.waitUntil(this.sendSnapshot(server, organizationId));
    return new Response(null, { status: 101, webSocket: client });
  }

  private async sendSnapshot(ws: WebSocket, organizationId: string) {
    const config = parseConfig(this.env);
    const { db, close } = createDb(config);
    let rows: WorkspaceRow[];
    try {
      rows = await db
        .select()
        .from(cloudWorkspaces)
        .where(eq(cloudWorkspaces.organizationId, organizationId));
    } catch (err) {
      // The database's own words (hosts, SQL) stay in the log; the client hears what to do.
      console.error('organization snapshot failed:', err);
      send(ws, {
        type: 'error',
        code: 'snapshot_failed',
        message: 'Could not load the workspaces right now; reconnecting will try again.',
      });
      return;
    } finally {
      this.ctx.waitUntil(close());
    }
    // Published after the query started: newer than the row we read.
    const published = await this.ctx.storage.list<WorkspaceState>({ prefix: STATE_PREFIX });
    const presence = await this.ctx.storage.list<Presence>({ prefix: PRESENCE_PREFIX });
    const workspaces = rows.map((row) => {
      const fromRow = workspaceState(row);
      const pub = published.get(STATE_PREFIX + row.id);
      const state = pub && pub.statusChangedAt >= fromRow.statusChangedAt ? { ...fromRow, ...pub } : fromRow;
      return { ...state, presence: presence.get(PRESENCE_PREFIX + row.id) ?? emptyPresence() };
    });
    send(ws, { type: 'snapshot', organizationId, workspaces });
  }

  private broadcast(msg: OrgServerMsg) {
    const text = JSON.stringify(msg);
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(text);
      } catch {
        // closing
      }
    }
  }

  // ---------------------------------------------------------------- RPC (from workspace rooms)

  async publishWorkspace(state: WorkspaceState): Promise<void> {
    await this.ctx.storage.put(STATE_PREFIX + state.workspaceId, state);
    this.broadcast({ type: 'workspace', workspace: state });
  }

  async publishRemoved(workspaceId: string): Promise<void> {
    await this.ctx.storage.delete([STATE_PREFIX + workspaceId, PRESENCE_PREFIX + workspaceId]);
    this.broadcast({ type: 'removed', workspaceId });
  }

  async publishPresence(workspaceId: string, presence: Presence): Promise<void> {
    if (presence.count === 0) await this.ctx.storage.delete(PRESENCE_PREFIX + workspaceId);
    else await this.ctx.storage.put(PRESENCE_PREFIX + workspaceId, presence);
    this.broadcast({ type: 'presence', workspaceId, presence });
  }

  async publishEvent(workspaceId: string, event: WorkspaceEvent): Promise<void> {
    this.broadcast({ type: 'event', workspaceId, event });
  }

  /** A VM's resource use: live only (the next check repeats it), so nothing is stored. */
  async publishHealth(workspaceId: string, health: VmHealth): Promise<void> {
    this.broadcast({ type: 'health', workspaceId, health });
  }

  /** Closes the sockets of a principal whose access ended (4004); answers how many. */
  async revoke(match: { userId?: string; authSessionId?: string; keyId?: string }): Promise<number> {
    if (!match.userId && !match.authSessionId && !match.keyId) return 0;
    let closed = 0;
    for (const ws of this.ctx.getWebSockets()) {
      const p = (ws.deserializeAttachment() ?? {}) as SocketPrincipal;
      if (match.userId && p.userId !== match.userId) continue;
      if (match.authSessionId && p.authSessionId !== match.authSessionId) continue;
      if (match.keyId && p.keyId !== match.keyId) continue;
      closeRevoked(ws);
      closed++;
    }
    return closed;
  }

  /** Sockets opened with an API key close when it expires; the alarm survives hibernation. */
  private async armExpiry(at: number) {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }

  async alarm() {
    const now = Date.now();
    let next: number | null = null;
    for (const ws of this.ctx.getWebSockets()) {
      const at = ((ws.deserializeAttachment() ?? {}) as SocketPrincipal).keyExpiresAt;
      if (!at) continue;
      if (at <= now) closeRevoked(ws);
      else next = Math.min(next ?? at, at);
    }
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** Open sockets (tests). */
  async connectionCount(): Promise<number> {
    return this.ctx.getWebSockets().length;
  }

  // ---------------------------------------------------------------- sockets

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    if (typeof message !== 'string') {
      send(ws, { type: 'error', code: 'bad_message', message: 'This socket takes JSON text frames only.' });
      return;
    }
    const parsed = parseFrame(OrgClientMsgSchema, message);
    if (!parsed.ok) {
      send(ws, { type: 'error', code: 'bad_message', message: parsed.message });
      return;
    }
    send(ws, { type: 'pong' });
  }

  async webSocketClose(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code);
    } catch {
      // already closed
    }
  }

  async webSocketError() {}
}
