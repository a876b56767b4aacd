import { DurableObject } from 'cloudflare:workers';
import type { Presence, WorkspaceEventInput } from '../core/protocol';
import type { WorkspaceAction } from '../core/workspace-state';

import * as actions from './room/actions';
import { recordActivity } from './room/activity';
import { runAlarm } from './room/alarm';
import { acceptTerminal } from './room/attach';
import { emit } from './room/events';
import type { Actor } from './room/lifecycle';
import type { RoomSession } from './room/presence';
import { PROVISION_TIMER } from './room/provisioning';
import { schedulePull, type PullRunResult } from './room/pull';
import type { RoomResult } from './room/results';
import * as sessions from './room/sessions';
import { createRoomState, loadMeta, remember, type RoomState } from './room/state';
import { setTimer } from './room/timers';
import { onViewerMessage, viewerGone } from './room/viewers';
import * as windows from './room/windows';

export type { AttachRequest } from './room/attach';
export { TICKET_TTL_MS, type TerminalWindow, type TicketPrincipal } from './room/windows';

/**
 * One per workspace, addressed by its id. Serialises the workspace's lifecycle (so Postgres and the VM
 * agree), runs provisioning on its alarm, relays terminals (room/terminal.ts), tracks presence, pauses
 * the workspace when idle, and publishes its state to the organization's live socket (OrgEvents).
 * This class is only the Durable Object's surface; the work is in ./room, on one RoomState.
 */
export class WorkspaceRoom extends DurableObject<Env> {
  private readonly room: RoomState;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const room = createRoomState(ctx, env);
    this.room = room;
    // room-idle.test.ts backdates the last activity through `instance.lastActivityAt`. An own
    // property (not a prototype getter) keeps it off the RPC surface, as the field it was.
    Object.defineProperty(this, 'lastActivityAt', {
      get: () => room.activity.lastAt,
      set: (at: number) => {
        room.activity.lastAt = at;
      },
    });
  }

  // ================================================================ lifecycle

  /** Starts provisioning on the alarm, so the request that created the workspace answers at once. */
  async provision(workspaceId: string): Promise<void> {
    await remember(this.room, workspaceId);
    await setTimer(this.ctx.storage, PROVISION_TIMER, Date.now());
  }

  async transition(
    workspaceId: string,
    action: WorkspaceAction,
    actor: Actor,
    detail?: Record<string, unknown>,
  ): Promise<RoomResult> {
    return actions.transition(this.room, workspaceId, action, actor, detail);
  }

  async destroy(workspaceId: string, actor: Actor): Promise<RoomResult> {
    return actions.destroy(this.room, workspaceId, actor);
  }

  async alarm(): Promise<void> {
    await runAlarm(this.room);
  }

  /** The webhook's request: pull on the alarm (retried there on failure), so the webhook answers at once. */
  async pull(workspaceId: string): Promise<void> {
    await remember(this.room, workspaceId);
    await schedulePull(this.ctx.storage);
  }

  /** Pulls now, under the lifecycle lock, and answers with what happened (`POST .../pull`). */
  async pullNow(workspaceId: string, actor: Actor): Promise<PullRunResult> {
    return actions.pullNow(this.room, workspaceId, actor);
  }

  /** Exec calls and other activity the Worker sees. */
  async recordActivity(): Promise<void> {
    recordActivity(this.room);
  }

  /**
   * Announces an event of this workspace (e.g. the GitHub webhook's `{ type: 'pulled', message:
   * 'pulled abc1234' }`) to its terminal clients and the organization's live socket.
   */
  async publishEvent(workspaceId: string, event: WorkspaceEventInput): Promise<void> {
    await remember(this.room, workspaceId);
    await loadMeta(this.room, workspaceId);
    await emit(this.room, event);
  }

  // ================================================================ tickets and terminal windows

  async issueTicket(workspaceId: string, principal: windows.TicketPrincipal) {
    await remember(this.room, workspaceId);
    return windows.issueTicket(this.room, principal);
  }

  /** A ticket works once, within TICKET_TTL_MS. */
  async redeemTicket(ticket: string): Promise<windows.TicketPrincipal | null> {
    return windows.redeemTicket(this.room, ticket);
  }

  async createWindow(
    workspaceId: string,
    name: string | undefined,
    userId: string,
  ): Promise<windows.TerminalWindow> {
    await remember(this.room, workspaceId);
    return windows.createWindow(this.room, name, userId);
  }

  async listWindows(): Promise<(windows.TerminalWindow & { viewers: number })[]> {
    return windows.listWindows(this.room);
  }

  async renameWindow(windowId: string, name: string): Promise<windows.TerminalWindow | undefined> {
    return windows.renameWindow(this.room, windowId, name);
  }

  /** Deletes a window: its viewers are closed with 4000 and its shell on the VM is ended. */
  async closeWindow(windowId: string): Promise<boolean> {
    return windows.closeWindow(this.room, windowId);
  }

  /** Numbers for the benchmark and tests. */
  async relayStats() {
    return [...this.room.relays.values()].map((r) => r.stats());
  }

  // ================================================================ terminal sockets

  /** The terminal WebSocket upgrade, forwarded by the Worker once it has checked the caller. */
  async fetch(request: Request): Promise<Response> {
    return acceptTerminal(this.room, request);
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    await onViewerMessage(this.room, ws, message);
  }

  async webSocketClose(ws: WebSocket, code: number) {
    viewerGone(this.room, ws);
    try {
      ws.close(code === 1005 || code === 1006 || code < 1000 ? 1000 : code);
    } catch {
      // already closed
    }
  }

  async webSocketError(ws: WebSocket) {
    viewerGone(this.room, ws);
  }

  // ================================================================ presence and sessions

  async openSession(workspaceId: string, session: RoomSession): Promise<void> {
    await remember(this.room, workspaceId);
    await sessions.openSession(this.room, workspaceId, session);
  }

  /** Returns false when the session is unknown or already stale (the client should open a new one). */
  async heartbeat(sessionId: string, active: boolean): Promise<boolean> {
    return sessions.heartbeat(this.room, sessionId, active);
  }

  async closeSession(sessionId: string): Promise<void> {
    await sessions.closeSession(this.room, sessionId);
  }

  async presence(): Promise<Presence> {
    return sessions.currentPresence(this.room);
  }
}
