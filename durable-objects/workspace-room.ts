import { DurableObject } from 'cloudflare:workers';
import type { Presence, WorkspaceEventInput } from '../core/protocol';
import type { ExecInput } from '../core/schemas/workspaces';
import type { WorkspaceAction } from '../core/workspace-state';
import { runAlarm } from './room/alarm';
import type {
  Actor,
  ExecRunResult,
  PullRunResult,
  RoomResult,
  RevokeMatch,
  RoomSession,
  TerminalWindow,
  TicketPrincipal,
} from './room/contract';
import { emit } from './room/events';
import { execCommand } from './room/exec';
import { recordActivity } from './room/idle';
import * as lifecycle from './room/lifecycle';
import * as presence from './room/presence';
import { schedulePull } from './room/pull';
import { issueSsh, type SshHolder, type SshIssueResult } from './room/ssh';
import { revokeSsh, revokeSshMatching } from './room/ssh-grants';
import { createRoomState, loadMeta, type Meta, type RoomState } from './room/state';
import { Timer } from './room/storage-keys';
import { setTimer } from './room/timers';
import { acceptTerminal, revokeViewers } from './room/viewers';
import type { PortInfo, PortVisibility } from '../core/ports';
import { currentPorts, setVisibility } from './room/ports';
import * as preview from './room/preview';
import type { PreviewGate, PreviewGateRequest, PreviewPrincipal } from './room/preview-contract';
import * as windows from './room/windows';
import * as setup from './room/setup';
import { getWorkspace } from '../db/queries/workspaces';
import type { SealedSecretRow } from '../db/queries/secrets';

export type * from './room/contract';
export type * from './room/preview-contract';
export { TICKET_TTL_MS } from './room/windows';

/**
 * One per workspace, addressed by its id (the Durable Object's name). Serialises the workspace's
 * lifecycle (so Postgres and the VM agree), runs provisioning on its alarm, relays terminals
 * (relay/), tracks presence, pauses the workspace when idle, and publishes its state to the
 * organization's live socket (OrgEvents). This class is only the surface; the work is in ./room.
 */
export class WorkspaceRoom extends DurableObject<Env> {
  private room!: RoomState;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.room = await createRoomState(ctx, env);
      await lifecycle.watchOnWake(this.room);
    });
  }

  // ================================================================ lifecycle

  /** Starts provisioning on the alarm, so the request that created the workspace answers at once. */
  async provision(): Promise<void> {
    await setTimer(this.ctx.storage, Timer.provision, Date.now());
  }

  async transition(
    action: WorkspaceAction,
    actor: Actor,
    detail?: Record<string, unknown>,
    seen?: lifecycle.Seen,
  ): Promise<RoomResult> {
    return lifecycle.transition(this.room, action, actor, detail, seen);
  }

  /** Resumes a paused workspace; answers 409 for one that cannot run now. */
  async ensureRunning(actor: Actor): Promise<RoomResult<{ meta: Meta }>> {
    return lifecycle.ensureRunning(this.room, actor, true);
  }

  async destroy(actor: Actor): Promise<RoomResult> {
    return lifecycle.destroy(this.room, actor);
  }

  async alarm(): Promise<void> {
    await runAlarm(this.room);
  }

  /** The webhook's request: pull on the alarm (retried there on failure), so the webhook answers at once. */
  async pull(): Promise<void> {
    await schedulePull(this.ctx.storage);
  }

  /** Pulls now, under the lifecycle lock, and answers with what happened (`POST .../pull`). */
  async pullNow(actor: Actor): Promise<PullRunResult> {
    return lifecycle.pullNow(this.room, actor);
  }

  /** The command API: resumes a paused workspace, runs the command in the clone, counts as activity. */
  async exec(actor: Actor, input: ExecInput, sealed?: SealedSecretRow[]): Promise<ExecRunResult> {
    return execCommand(this.room, actor, input, sealed);
  }

  /** Runs the repository's setup again in the Setup window (room/setup.ts). */
  async rerunSetup(actor: Actor): Promise<RoomResult> {
    const meta = await loadMeta(this.room, true);
    if (!meta)
      return setup.rerunSetup(
        this.room,
        actor,
        { setupCommand: null, setupTimeoutMinutes: 30 },
        lifecycle.ensureRunning,
      );
    const ws = await this.room.deps.withDb((db) => getWorkspace(db, meta.workspaceId));
    const settings = await this.room.deps.withDb((db) => setup.setupSettings(db, ws!.repositoryId));
    return setup.rerunSetup(
      this.room,
      actor,
      { ...settings, creatorId: ws!.creatorId },
      lifecycle.ensureRunning,
    );
  }

  /** SSH access to the VM for `ttlSeconds`: resumes a paused workspace, refuses one that cannot run. */
  async issueSsh(actor: Actor, ttlSeconds: number, holder?: SshHolder): Promise<SshIssueResult> {
    return issueSsh(this.room, actor, ttlSeconds, holder);
  }

  /** Revokes the SSH access granted to one person (or everyone). */
  async revokeSsh(userId?: string): Promise<void> {
    return revokeSsh(this.room, userId);
  }

  /** Activity the Worker sees. */
  async recordActivity(): Promise<void> {
    recordActivity(this.room);
  }

  /**
   * Announces an event of this workspace (e.g. the GitHub webhook's `{ type: 'pulled', message:
   * 'pulled abc1234' }`) to its terminal clients and the organization's live socket.
   */
  async publishEvent(event: WorkspaceEventInput): Promise<void> {
    await loadMeta(this.room);
    await emit(this.room, event);
  }

  // ================================================================ tickets and terminal windows

  async issueTicket(principal: TicketPrincipal) {
    return windows.issueTicket(this.room, principal);
  }

  /** A ticket works once, within TICKET_TTL_MS. */
  async redeemTicket(ticket: string): Promise<TicketPrincipal | null> {
    return windows.redeemTicket(this.room, ticket);
  }

  async createWindow(
    name: string | undefined,
    userId: string,
  ): Promise<RoomResult<{ window: TerminalWindow }>> {
    return windows.createWindow(this.room, name, userId);
  }

  async listWindows(): Promise<(TerminalWindow & { viewers: number })[]> {
    return windows.listWindows(this.room);
  }

  async renameWindow(windowId: string, name: string): Promise<TerminalWindow | undefined> {
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

  /** The terminal WebSocket upgrade, forwarded by the Worker once it has checked the caller. Its
   * messages are handled by room/viewers.ts on the socket itself (room/sockets.ts says why). */
  async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname === '/preview-socket') {
      return preview.acceptPreviewSocket(this.room, request);
    }
    return acceptTerminal(this.room, request);
  }

  /** Closes the terminal and preview sockets and SSH sessions of a principal whose access ended; answers how many. */
  async revoke(match: RevokeMatch): Promise<number> {
    return (
      revokeViewers(this.room, match) +
      (await revokeSshMatching(this.room, match)) +
      (await preview.revokePreview(this.room, match))
    );
  }

  // ================================================================ ports and previews

  async listPorts(): Promise<RoomResult<{ ports: PortInfo[] }>> {
    return currentPorts(this.room);
  }

  async setPortVisibility(
    port: number,
    visibility: PortVisibility,
    actor: Actor,
  ): Promise<RoomResult<{ port: PortInfo; previous: PortVisibility }>> {
    const r = await setVisibility(this.room, port, visibility, actor);
    if (r.ok && visibility === 'private') preview.closeAnonymous(this.room, port);
    return r;
  }

  /** Whether a preview request passes, and where it goes (room/preview.ts). */
  async previewGate(req: PreviewGateRequest): Promise<PreviewGate> {
    return (await preview.gate(this.room, req)).gate;
  }

  /** Asked while a preview answer streams: false once its caller's access ended (room/preview.ts). */
  async previewStillAllowed(req: PreviewGateRequest): Promise<boolean> {
    return preview.stillAllowed(this.room, req);
  }

  async issuePreviewCode(port: number, principal: PreviewPrincipal): Promise<string> {
    return preview.issueCode(this.room, port, principal);
  }

  async redeemPreviewCode(code: string, port: number) {
    return preview.redeemCode(this.room, code, port);
  }

  async previewRuleMissing(port: number): Promise<void> {
    await preview.forgetRule(this.room, port);
  }

  // ================================================================ presence and sessions

  async openSession(session: RoomSession): Promise<void> {
    await presence.openSession(this.room, session);
  }

  /** Returns false when the session is unknown or already stale (the client should open a new one). */
  async heartbeat(sessionId: string, active: boolean): Promise<boolean> {
    return presence.heartbeat(this.room, sessionId, active);
  }

  async closeSession(sessionId: string): Promise<void> {
    await presence.closeSession(this.room, sessionId);
  }

  async presence(): Promise<Presence> {
    return presence.currentPresence(this.room);
  }
}
