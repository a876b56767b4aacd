import { DurableObject } from 'cloudflare:workers';
import { inArray, eq } from 'drizzle-orm';
import { cloudWorkspaceSessions } from '../db/schema';
import type { WorkspaceAction, WorkspaceStatus } from '../core/workspace-state';
import {
  CloseCode,
  FLOW_ACK_EVERY_BYTES,
  FLOW_WINDOW_BYTES,
  SESSION_STALE_MS,
  TerminalClientMsgSchema,
  parseFrame,
  type Presence,
  type TerminalServerMsg,
  type WorkspaceEvent,
  type WorkspaceEventInput,
} from '../core/protocol';
import type { Bindings } from '../worker/env';
import { shellQuote } from '../core/shell';
import { VM_WORKSPACE_PATH } from '../core/vm';
import { getWorkspace, touchWorkspace, type WorkspaceRow } from '../worker/data/workspaces';
import { createRoomDeps, type RoomDeps } from './room/context';
import { Lock } from './room/lock';
import { clearTimer, setTimer, takeDueTimers } from './room/timers';
import { deleteWorkspaceAndVm, runTransition, SYSTEM, type Actor } from './room/lifecycle';
import { provisionAttempt, PROVISION_TIMER } from './room/provisioning';
import type { RoomResult } from './room/results';
import { pullIfPending, PULL_TIMER, runPull, schedulePull, type PullRunResult } from './room/pull';
import { send, WindowRelay, type RelayLimits } from './room/terminal';
import {
  computePresence,
  isStale,
  listSessions,
  PRESENCE_TIMER,
  SESSION_PREFIX,
  type RoomSession,
  type ViewerAttachment,
} from './room/presence';
import {
  decideIdle,
  IDLE_TIMER,
  LAST_ACTIVITY_KEY,
  PAUSED_STOP_TIMER,
  stopDueAt,
  WARNED_KEY,
} from './room/idle';
import { workspaceState } from './org-events';

/** A terminal window: one named PTY session (slug) on the VM. */
export interface TerminalWindow {
  windowId: string;
  name: string;
  slug: string;
  createdAt: number;
  createdBy: string;
}

export interface TicketPrincipal {
  userId: string;
  name: string;
  email: string;
  image: string | null;
  via: 'session' | 'api_key';
}

/** What the Worker passes with a terminal upgrade, after checking who the caller is. */
export interface AttachRequest {
  workspace: Pick<
    WorkspaceRow,
    'id' | 'organizationId' | 'status' | 'freestyleVmId' | 'autoStopMinutes' | 'name'
  >;
  principal: TicketPrincipal;
  windowId: string;
  cols: number;
  rows: number;
  clientType: 'web' | 'desktop';
  sessionId?: string;
}

/** The room's memory of its workspace, refreshed on every change. */
interface Meta {
  workspaceId: string;
  organizationId: string;
  status: WorkspaceStatus;
  vmId: string | null;
  autoStopMinutes: number;
}

const WINDOW_PREFIX = 'window:';
const TERMINAL_SHELL = `cd ${shellQuote(VM_WORKSPACE_PATH)} 2>/dev/null; exec bash -l`;
const TICKET_PREFIX = 'ticket:';
export const TICKET_TTL_MS = 30_000;
/** After its last viewer leaves, a window's PTY socket and screen are kept this long for reconnects. */
const RELAY_GRACE_MS = 60_000;
const ACTIVITY_PERSIST_MS = 5_000;
const ACTIVITY_DB_MS = 60_000;
const PRESENCE_DEBOUNCE_MS = 50;

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

const jsonError = (status: number, code: string, message: string) =>
  Response.json({ error: { code, message } }, { status });

/**
 * One per workspace, addressed by its id. Serialises the workspace's lifecycle (so Postgres and the VM
 * agree), runs provisioning on its alarm, relays terminals (room/terminal.ts), tracks presence, pauses
 * the workspace when idle, and publishes its state to the organization's live socket (OrgEvents).
 */
export class WorkspaceRoom extends DurableObject<Bindings> {
  private readonly lock = new Lock();
  private deps?: RoomDeps;
  private readonly relays = new Map<string, WindowRelay>();
  private readonly graceTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private meta?: Meta;
  private resuming: Promise<boolean> | null = null;
  private inFlight: WorkspaceAction | null = null;
  private lastActivityAt = 0;
  private persistedActivityAt = 0;
  private touchedDbAt = 0;
  private warnedFor: number | undefined;
  private presenceTimer: ReturnType<typeof setTimeout> | null = null;
  private closingViewers = new Set<string>();

  private get room(): RoomDeps {
    this.deps ??= createRoomDeps(this.ctx.storage, this.env);
    return this.deps;
  }

  private async remember(workspaceId: string) {
    if ((await this.ctx.storage.get('workspaceId')) !== workspaceId) {
      await this.ctx.storage.put('workspaceId', workspaceId);
    }
  }

  private workspaceId(): Promise<string | undefined> {
    return this.ctx.storage.get<string>('workspaceId');
  }

  private setMeta(
    ws: Pick<WorkspaceRow, 'id' | 'organizationId' | 'status' | 'freestyleVmId' | 'autoStopMinutes'>,
  ) {
    this.meta = {
      workspaceId: ws.id,
      organizationId: ws.organizationId,
      status: ws.status,
      vmId: ws.freestyleVmId,
      autoStopMinutes: ws.autoStopMinutes,
    };
    return this.meta;
  }

  private async loadMeta(workspaceId?: string): Promise<Meta | undefined> {
    if (this.meta) return this.meta;
    const id = workspaceId ?? (await this.workspaceId());
    if (!id) return undefined;
    const ws = await this.room.withDb((db) => getWorkspace(db, id));
    return ws ? this.setMeta(ws) : undefined;
  }

  private orgEvents(organizationId: string) {
    return this.env.ORG_EVENTS.get(this.env.ORG_EVENTS.idFromName(organizationId));
  }

  // ================================================================ lifecycle

  /** Starts provisioning on the alarm, so the request that created the workspace answers at once. */
  async provision(workspaceId: string): Promise<void> {
    await this.remember(workspaceId);
    await setTimer(this.ctx.storage, PROVISION_TIMER, Date.now());
  }

  async transition(
    workspaceId: string,
    action: WorkspaceAction,
    actor: Actor,
    detail?: Record<string, unknown>,
  ): Promise<RoomResult> {
    await this.remember(workspaceId);
    const result = await this.lock.run(async () => {
      this.inFlight = action;
      try {
        return await runTransition(this.room, workspaceId, action, actor, detail);
      } finally {
        this.inFlight = null;
      }
    });
    if (result.ok) {
      if (action === 'retry') await setTimer(this.ctx.storage, PROVISION_TIMER, Date.now());
      await this.workspaceChanged(result.workspace);
      await pullIfPending(this.ctx.storage, result.workspace); // auto-pull: resume/start pull what is owed
    }
    return result;
  }

  async destroy(workspaceId: string, actor: Actor): Promise<RoomResult> {
    this.inFlight = 'stop';
    const result = await this.lock.run(() => deleteWorkspaceAndVm(this.room, workspaceId, actor));
    this.inFlight = null;
    if (result.ok) {
      this.closeAllTerminals(CloseCode.workspaceGone, 'workspace deleted');
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      this.meta = undefined;
      await this.orgEvents(result.workspace.organizationId)
        .publishRemoved(workspaceId)
        .catch(() => {});
    }
    return result;
  }

  async alarm(): Promise<void> {
    const workspaceId = await this.workspaceId();
    if (!workspaceId) return;
    for (const timer of await takeDueTimers(this.ctx.storage, Date.now())) {
      if (timer === PROVISION_TIMER) {
        const ws = await provisionAttempt(this.room, workspaceId);
        if (ws) await this.workspaceChanged(ws);
        await pullIfPending(this.ctx.storage, ws);
      } else if (timer === PULL_TIMER) {
        await this.pullNow(workspaceId, SYSTEM);
      } else if (timer === IDLE_TIMER) {
        await this.idleCheck(workspaceId);
      } else if (timer === PAUSED_STOP_TIMER) {
        await this.pausedStopCheck(workspaceId);
      } else if (timer === PRESENCE_TIMER) {
        await this.expireSessions();
      }
    }
  }

  // --- GitHub auto-pull (issue 6): logic in ./room/pull.ts ---

  /** The webhook's request: pull on the alarm (retried there on failure), so the webhook answers at once. */
  async pull(workspaceId: string): Promise<void> {
    await this.remember(workspaceId);
    await schedulePull(this.ctx.storage);
  }

  /** Pulls now, under the lifecycle lock, and answers with what happened (`POST .../pull`). */
  async pullNow(workspaceId: string, actor: Actor): Promise<PullRunResult> {
    await this.remember(workspaceId);
    const result = await this.lock.run(() => runPull(this.room, workspaceId, actor));
    if (result.ok) {
      await this.workspaceChanged(result.workspace);
      // Clients hear what happened: "pulled abc1234 from GitHub", or why the pull was skipped.
      const { outcome, message } = result.result;
      if (outcome === 'pulled') await this.emit({ type: 'pulled', message });
      else if (outcome !== 'up_to_date' && outcome !== 'not_running')
        await this.emit({ type: 'pull_skipped', message });
    }
    return result;
  }

  /** Every status or record change of the workspace passes here, to reach its clients. */
  private async workspaceChanged(ws: WorkspaceRow): Promise<void> {
    const before = this.meta?.status;
    this.setMeta(ws);
    const state = workspaceState(ws);
    this.broadcast({ type: 'workspace', workspace: state });
    const org = this.orgEvents(ws.organizationId);
    const publishes: Promise<unknown>[] = [org.publishWorkspace(state)];
    const now = Date.now();
    if (ws.status === 'running') {
      if (before !== 'running') {
        // Becoming running (provisioned, resumed, started) counts as activity.
        this.activity(true);
        await clearTimer(this.ctx.storage, PAUSED_STOP_TIMER);
        await this.armIdle(now);
      }
    } else {
      await clearTimer(this.ctx.storage, IDLE_TIMER);
      this.warnedFor = undefined;
      await this.ctx.storage.delete(WARNED_KEY);
    }
    if (ws.status === 'paused') {
      await setTimer(this.ctx.storage, PAUSED_STOP_TIMER, stopDueAt(new Date(ws.statusChangedAt).getTime()));
    } else {
      await clearTimer(this.ctx.storage, PAUSED_STOP_TIMER);
    }
    if (ws.status === 'stopped' || ws.status === 'error') {
      this.closeAllTerminals(CloseCode.workspaceGone, `workspace ${ws.status}`);
    }
    if (ws.status === 'error' && before !== 'error') {
      publishes.push(this.emit({ type: 'error', message: ws.statusMessage ?? 'The workspace failed.' }));
    }
    await Promise.allSettled(publishes);
  }

  private async armIdle(now: number) {
    const meta = this.meta;
    if (!meta) return;
    const d = decideIdle(now, this.lastActivityAt || now, meta.autoStopMinutes, this.warnedFor);
    await setTimer(this.ctx.storage, IDLE_TIMER, d.action === 'wait' ? d.until : now);
  }

  // ================================================================ activity and idle

  /** Exec calls and other activity the Worker sees. */
  async recordActivity(): Promise<void> {
    this.activity();
  }

  private activity(force = false) {
    const now = Date.now();
    this.lastActivityAt = now;
    if (this.warnedFor !== undefined) {
      this.warnedFor = undefined;
      void this.ctx.storage.delete(WARNED_KEY);
      this.broadcast({ type: 'idle_warning', pausesAt: null });
    }
    if (force || now - this.persistedActivityAt >= ACTIVITY_PERSIST_MS) {
      this.persistedActivityAt = now;
      void this.ctx.storage.put(LAST_ACTIVITY_KEY, now);
    }
    if (now - this.touchedDbAt >= ACTIVITY_DB_MS && this.meta) {
      this.touchedDbAt = now;
      const id = this.meta.workspaceId;
      this.ctx.waitUntil(this.room.withDb((db) => touchWorkspace(db, id)).catch(() => {}));
    }
  }

  private async lastActivity(fallback: number): Promise<number> {
    const stored = (await this.ctx.storage.get<number>(LAST_ACTIVITY_KEY)) ?? 0;
    const last = Math.max(this.lastActivityAt, stored);
    return last || fallback;
  }

  private async idleCheck(workspaceId: string) {
    const ws = await this.room.withDb((db) => getWorkspace(db, workspaceId));
    if (!ws || ws.status !== 'running') return;
    this.setMeta(ws);
    const now = Date.now();
    const last = await this.lastActivity(new Date(ws.statusChangedAt).getTime());
    this.warnedFor ??= await this.ctx.storage.get<number>(WARNED_KEY);
    const d = decideIdle(now, last, ws.autoStopMinutes, this.warnedFor);
    if (d.action === 'wait') {
      await setTimer(this.ctx.storage, IDLE_TIMER, d.until);
    } else if (d.action === 'warn') {
      this.warnedFor = last;
      await this.ctx.storage.put(WARNED_KEY, last);
      this.broadcast({ type: 'idle_warning', pausesAt: d.pausesAt });
      const minutes = Math.max(1, Math.round((d.pausesAt - now) / 60_000));
      await this.emit({ type: 'idle_warning', message: `Pausing in ${minutes} min without activity.` });
      await setTimer(this.ctx.storage, IDLE_TIMER, d.pausesAt);
    } else {
      const minutes = Math.round(d.idleMs / 60_000);
      const result = await this.transition(workspaceId, 'idle_pause', SYSTEM, { idleMinutes: minutes });
      if (result.ok) {
        await this.emit({ type: 'paused', message: `Paused after ${minutes} min without activity.` });
      }
    }
  }

  private async pausedStopCheck(workspaceId: string) {
    const ws = await this.room.withDb((db) => getWorkspace(db, workspaceId));
    if (!ws || ws.status !== 'paused') return;
    const due = stopDueAt(new Date(ws.statusChangedAt).getTime());
    if (Date.now() < due) {
      await setTimer(this.ctx.storage, PAUSED_STOP_TIMER, due);
      return;
    }
    const result = await this.transition(workspaceId, 'idle_stop', SYSTEM);
    if (result.ok) await this.emit({ type: 'stopped', message: 'Stopped after 24 h paused.' });
  }

  /** Resumes a paused workspace for a viewer; concurrent callers share one resume. */
  private resume(actor: Actor): Promise<boolean> {
    this.resuming ??= (async () => {
      const meta = await this.loadMeta();
      if (!meta) return false;
      if (meta.status === 'running') return true;
      const r = await this.transition(meta.workspaceId, 'resume', actor);
      if (r.ok) return true;
      const now = await this.room.withDb((db) => getWorkspace(db, meta.workspaceId));
      if (now) this.setMeta(now);
      return now?.status === 'running';
    })().finally(() => {
      this.resuming = null;
    });
    return this.resuming;
  }

  // ================================================================ events

  /**
   * Announces an event of this workspace (e.g. the GitHub webhook's `{ type: 'pulled', message:
   * 'pulled abc1234' }`) to its terminal clients and the organization's live socket.
   */
  async publishEvent(workspaceId: string, event: WorkspaceEventInput): Promise<void> {
    await this.remember(workspaceId);
    await this.loadMeta(workspaceId);
    await this.emit(event);
  }

  private async emit(input: WorkspaceEventInput) {
    const event: WorkspaceEvent = { ...input, at: input.at ?? Date.now() };
    this.broadcast({ type: 'event', event });
    const meta = await this.loadMeta();
    if (meta)
      await this.orgEvents(meta.organizationId)
        .publishEvent(meta.workspaceId, event)
        .catch(() => {});
  }

  // ================================================================ tickets

  async issueTicket(workspaceId: string, principal: TicketPrincipal) {
    await this.remember(workspaceId);
    const now = Date.now();
    const old = await this.ctx.storage.list<{ expiresAt: number }>({ prefix: TICKET_PREFIX, limit: 200 });
    const expired = [...old].filter(([, t]) => t.expiresAt < now).map(([k]) => k);
    if (expired.length) await this.ctx.storage.delete(expired);
    const ticket = randomToken();
    const expiresAt = now + TICKET_TTL_MS;
    await this.ctx.storage.put(TICKET_PREFIX + ticket, { principal, expiresAt });
    return { ticket, expiresAt };
  }

  /** A ticket works once, within TICKET_TTL_MS. */
  async redeemTicket(ticket: string): Promise<TicketPrincipal | null> {
    if (!ticket || ticket.length > 100) return null;
    const key = TICKET_PREFIX + ticket;
    const stored = await this.ctx.storage.get<{ principal: TicketPrincipal; expiresAt: number }>(key);
    if (!stored) return null;
    await this.ctx.storage.delete(key);
    return stored.expiresAt >= Date.now() ? stored.principal : null;
  }

  // ================================================================ terminal windows

  async createWindow(workspaceId: string, name: string | undefined, userId: string): Promise<TerminalWindow> {
    await this.remember(workspaceId);
    const existing = await this.ctx.storage.list({ prefix: WINDOW_PREFIX });
    const windowId = crypto.randomUUID();
    const win: TerminalWindow = {
      windowId,
      name: name ?? `Terminal ${existing.size + 1}`,
      slug: `w-${windowId}`,
      createdAt: Date.now(),
      createdBy: userId,
    };
    await this.ctx.storage.put(WINDOW_PREFIX + windowId, win);
    return win;
  }

  async listWindows(): Promise<(TerminalWindow & { viewers: number })[]> {
    const all = await this.ctx.storage.list<TerminalWindow>({ prefix: WINDOW_PREFIX });
    return [...all.values()]
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((w) => ({ ...w, viewers: this.viewersOf(w.windowId).length }));
  }

  /** Deletes a window: its viewers are closed with 4000 and its shell on the VM is ended. */
  async closeWindow(windowId: string): Promise<boolean> {
    const key = WINDOW_PREFIX + windowId;
    const win = await this.ctx.storage.get<TerminalWindow>(key);
    if (!win) return false;
    await this.ctx.storage.delete(key);
    this.dropRelay(windowId, CloseCode.windowClosed, 'window closed');
    const meta = await this.loadMeta();
    if (meta?.vmId) await this.room.vm.killPtySession(meta.vmId, win.slug).catch(() => {});
    return true;
  }

  private viewersOf(windowId: string): WebSocket[] {
    return this.ctx
      .getWebSockets(`win:${windowId}`)
      .filter((ws) => !this.closingViewers.has((ws.deserializeAttachment() as ViewerAttachment)?.viewerId));
  }

  private viewerAttachments(): ViewerAttachment[] {
    return this.ctx
      .getWebSockets()
      .map((ws) => ws.deserializeAttachment() as ViewerAttachment | null)
      .filter(
        (a): a is ViewerAttachment => !!a && a.kind === 'terminal' && !this.closingViewers.has(a.viewerId),
      );
  }

  private broadcast(msg: TerminalServerMsg) {
    const text = JSON.stringify(msg);
    for (const ws of this.ctx.getWebSockets()) send(ws, text);
  }

  private dropRelay(windowId: string, code: number, reason: string) {
    const relay = this.relays.get(windowId);
    this.relays.delete(windowId);
    const t = this.graceTimers.get(windowId);
    if (t) clearTimeout(t);
    this.graceTimers.delete(windowId);
    for (const ws of this.ctx.getWebSockets(`win:${windowId}`)) {
      try {
        ws.close(code, reason);
      } catch {
        // already closed
      }
    }
    try {
      relay?.close();
    } catch (err) {
      console.error('closing a terminal relay failed:', err);
    }
  }

  private closeAllTerminals(code: number, reason: string) {
    for (const id of [...this.relays.keys()]) this.dropRelay(id, code, reason);
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(code, reason);
      } catch {
        // already closed
      }
    }
  }

  private relayFor(windowId: string, cols: number, rows: number): WindowRelay {
    const t = this.graceTimers.get(windowId);
    if (t) clearTimeout(t);
    this.graceTimers.delete(windowId);
    let relay = this.relays.get(windowId);
    if (relay && !relay.isClosed) return relay;
    relay = new WindowRelay(
      windowId,
      {
        activity: () => this.activity(),
        exited: (id, exitCode) => {
          const stopping = this.inFlight === 'stop' || this.inFlight === 'idle_stop';
          for (const ws of this.viewersOf(id)) send(ws, { type: 'exited', exitCode });
          this.dropRelay(
            id,
            stopping ? CloseCode.workspaceGone : CloseCode.shellExited,
            stopping ? 'workspace stopped' : 'shell exited',
          );
        },
        failed: (id, message) => {
          for (const ws of this.viewersOf(id)) send(ws, { type: 'error', code: 'relay_failed', message });
          this.dropRelay(id, CloseCode.relayFailed, 'terminal unavailable');
        },
      },
      cols,
      rows,
      this.relayLimits(),
    );
    this.relays.set(windowId, relay);
    return relay;
  }

  private async openPty(slug: string, cols: number, rows: number): Promise<WebSocket> {
    let meta = await this.loadMeta();
    if (meta && !meta.vmId) {
      this.meta = undefined;
      meta = await this.loadMeta();
    }
    if (!meta?.vmId) throw new Error('The workspace has no VM yet.');
    // Shells open in the clone, as a developer expects; the same `exec` works on Freestyle's VMs.
    const req = this.room.vm.ptyRequest(meta.vmId, { slug, cols, rows, exec: TERMINAL_SHELL });
    const resp = await fetch(req.url, { headers: { ...req.headers, Upgrade: 'websocket' } });
    const ws = resp.webSocket;
    if (!ws) {
      const body = await resp.text().catch(() => '');
      throw new Error(`The VM refused the terminal (${resp.status}): ${body.slice(0, 200)}`);
    }
    // With recent compatibility dates binary frames arrive as Blobs unless asked otherwise.
    (ws as unknown as { binaryType: string }).binaryType = 'arraybuffer';
    ws.accept();
    return ws;
  }

  /** The terminal WebSocket upgrade, forwarded by the Worker once it has checked the caller. */
  async fetch(request: Request): Promise<Response> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      return jsonError(426, 'upgrade_required', 'Expected a WebSocket upgrade.');
    }
    let req: AttachRequest;
    try {
      req = JSON.parse(request.headers.get('x-cw-attach') ?? '') as AttachRequest;
    } catch {
      return jsonError(400, 'validation_error', 'Missing attach request.');
    }
    await this.remember(req.workspace.id);
    const win = await this.ctx.storage.get<TerminalWindow>(WINDOW_PREFIX + req.windowId);
    if (!win) return jsonError(404, 'not_found', 'Terminal window not found.');
    if (!this.meta || this.meta.status !== req.workspace.status) this.setMeta(req.workspace);

    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    const att: ViewerAttachment = {
      kind: 'terminal',
      viewerId: crypto.randomUUID(),
      windowId: req.windowId,
      workspaceId: req.workspace.id,
      userId: req.principal.userId,
      name: req.principal.name,
      image: req.principal.image,
      via: req.principal.via,
      clientType: req.clientType,
      sessionId: req.sessionId,
      cols: req.cols,
      rows: req.rows,
    };
    this.ctx.acceptWebSocket(server, [`win:${req.windowId}`]);
    server.serializeAttachment(att);
    send(server, {
      type: 'hello',
      windowId: req.windowId,
      viewerId: att.viewerId,
      flow: { window: FLOW_WINDOW_BYTES, ackEvery: FLOW_ACK_EVERY_BYTES },
    });
    this.ctx.waitUntil(this.attachViewer(server, att, win));
    this.schedulePresence();
    return new Response(null, { status: 101, webSocket: client });
  }

  private async attachViewer(ws: WebSocket, att: ViewerAttachment, win: TerminalWindow) {
    // The viewer joins the relay at once, so what it types while we resume or connect is kept.
    const relay = this.relayFor(att.windowId, att.cols, att.rows);
    relay.attach(att.viewerId, ws, att.cols, att.rows);
    try {
      if (this.meta?.status === 'paused') {
        send(ws, { type: 'status', status: 'resuming' });
        const actor: Actor = { type: att.via === 'api_key' ? 'api_key' : 'user', userId: att.userId };
        if (!(await this.resume(actor))) {
          send(ws, {
            type: 'error',
            code: 'workspace_not_running',
            message: `The workspace is ${this.meta?.status ?? 'gone'}; it could not be resumed.`,
          });
          ws.close(CloseCode.workspaceGone, 'workspace not running');
          return;
        }
      }
      if (!relay.isOpen) send(ws, { type: 'status', status: 'connecting' });
      await relay.start((cols, rows) => this.openPty(win.slug, cols, rows));
    } catch {
      // relay.start reported the failure to every viewer of the window.
    }
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    const att = ws.deserializeAttachment() as ViewerAttachment | null;
    if (!att || att.kind !== 'terminal') return;
    let relay = this.relays.get(att.windowId);
    if (!relay || !relay.has(att.viewerId)) {
      // The room restarted under a live socket: attach it again (it gets a fresh screen).
      const win = await this.ctx.storage.get<TerminalWindow>(WINDOW_PREFIX + att.windowId);
      if (!win) {
        ws.close(CloseCode.windowClosed, 'window closed');
        return;
      }
      await this.loadMeta(att.workspaceId);
      relay = this.relayFor(att.windowId, att.cols, att.rows);
      if (!relay.has(att.viewerId)) this.ctx.waitUntil(this.attachViewer(ws, att, win));
    }
    if (typeof message !== 'string') {
      if (this.meta?.status === 'paused') void this.resume({ type: 'user', userId: att.userId });
      if (!relay.input(new Uint8Array(message))) {
        send(ws, { type: 'error', code: 'input_overflow', message: 'Too much input while connecting.' });
      }
      return;
    }
    const parsed = parseFrame(TerminalClientMsgSchema, message);
    if (!parsed.ok) {
      send(ws, { type: 'error', code: 'bad_message', message: parsed.message });
      return;
    }
    const msg = parsed.msg;
    switch (msg.type) {
      case 'resize':
        ws.serializeAttachment({ ...att, cols: msg.cols, rows: msg.rows });
        relay.resize(att.viewerId, msg.cols, msg.rows);
        return;
      case 'ack':
        relay.ack(att.viewerId, msg.bytes);
        return;
      case 'signal':
        relay.signal(msg.signal);
        return;
      case 'heartbeat':
        if (msg.active) this.activity();
        if (att.sessionId) await this.heartbeat(att.sessionId, !!msg.active);
        return;
      case 'ping':
        // With the RELAY_STATS var (bench, tests) the answer carries this window's relay numbers.
        send(
          ws,
          (this.env as unknown as Record<string, unknown>).RELAY_STATS === '1'
            ? JSON.stringify({ type: 'pong', relay: relay.stats() })
            : { type: 'pong' },
        );
        return;
    }
  }

  async webSocketClose(ws: WebSocket, code: number) {
    this.viewerGone(ws);
    try {
      ws.close(code === 1005 || code === 1006 || code < 1000 ? 1000 : code);
    } catch {
      // already closed
    }
  }

  async webSocketError(ws: WebSocket) {
    this.viewerGone(ws);
  }

  private viewerGone(ws: WebSocket) {
    const att = ws.deserializeAttachment() as ViewerAttachment | null;
    if (!att || att.kind !== 'terminal') return;
    this.closingViewers.add(att.viewerId);
    // getWebSockets() lists a closing socket until this handler returns.
    setTimeout(() => this.closingViewers.delete(att.viewerId), 5_000);
    const relay = this.relays.get(att.windowId);
    relay?.detach(att.viewerId);
    if (relay && relay.viewerCount === 0 && !this.graceTimers.has(att.windowId)) {
      this.graceTimers.set(
        att.windowId,
        setTimeout(() => {
          this.graceTimers.delete(att.windowId);
          const r = this.relays.get(att.windowId);
          if (r && r.viewerCount === 0) {
            r.close();
            this.relays.delete(att.windowId);
          }
        }, RELAY_GRACE_MS),
      );
    }
    this.schedulePresence();
  }

  /** Tests may shrink the emulator's backlog bound (RELAY_PARSE_BACKLOG_BYTES) to exercise it. */
  private relayLimits(): RelayLimits {
    const v = Number((this.env as unknown as Record<string, unknown>).RELAY_PARSE_BACKLOG_BYTES);
    return Number.isFinite(v) && v > 0
      ? { maxParseBacklogBytes: v, emulatorTailBytes: Math.max(v / 2, 16_384) }
      : {};
  }

  /** Numbers for the benchmark and tests. */
  async relayStats() {
    return [...this.relays.values()].map((r) => r.stats());
  }

  // ================================================================ presence and sessions

  async openSession(workspaceId: string, session: RoomSession): Promise<void> {
    await this.remember(workspaceId);
    await this.loadMeta(workspaceId);
    await this.ctx.storage.put(SESSION_PREFIX + session.sessionId, session);
    await setTimer(this.ctx.storage, PRESENCE_TIMER, session.lastHeartbeatAt + SESSION_STALE_MS);
    this.schedulePresence();
  }

  /** Returns false when the session is unknown or already stale (the client should open a new one). */
  async heartbeat(sessionId: string, active: boolean): Promise<boolean> {
    const key = SESSION_PREFIX + sessionId;
    const s = await this.ctx.storage.get<RoomSession>(key);
    const now = Date.now();
    if (!s || isStale(s, now)) return false;
    await this.ctx.storage.put(key, { ...s, lastHeartbeatAt: now });
    await setTimer(this.ctx.storage, PRESENCE_TIMER, now + SESSION_STALE_MS);
    if (active) this.activity();
    await this.room
      .withDb((db) =>
        db
          .update(cloudWorkspaceSessions)
          .set({ lastHeartbeatAt: new Date(now) })
          .where(eq(cloudWorkspaceSessions.id, sessionId)),
      )
      .catch(() => {});
    return true;
  }

  async closeSession(sessionId: string): Promise<void> {
    await this.ctx.storage.delete(SESSION_PREFIX + sessionId);
    this.schedulePresence();
  }

  async presence(): Promise<Presence> {
    return computePresence(await listSessions(this.ctx.storage), this.viewerAttachments(), Date.now());
  }

  /** Stale sessions leave the room and the database; the timer re-arms for the next one. */
  private async expireSessions() {
    const now = Date.now();
    const sessions = await listSessions(this.ctx.storage);
    const stale = sessions.filter((s) => isStale(s, now));
    if (stale.length) {
      await this.ctx.storage.delete(stale.map((s) => SESSION_PREFIX + s.sessionId));
      const ids = stale.map((s) => s.sessionId);
      await this.room
        .withDb((db) => db.delete(cloudWorkspaceSessions).where(inArray(cloudWorkspaceSessions.id, ids)))
        .catch(() => {});
      this.schedulePresence();
    }
    const fresh = sessions.filter((s) => !isStale(s, now));
    if (fresh.length) {
      const next = Math.min(...fresh.map((s) => s.lastHeartbeatAt)) + SESSION_STALE_MS;
      await setTimer(this.ctx.storage, PRESENCE_TIMER, next);
    }
  }

  private schedulePresence() {
    if (this.presenceTimer) return;
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = null;
      this.ctx.waitUntil(this.publishPresence().catch(() => {}));
    }, PRESENCE_DEBOUNCE_MS);
  }

  private async publishPresence() {
    const presence = await this.presence();
    this.broadcast({ type: 'presence', presence });
    const meta = await this.loadMeta();
    if (meta) await this.orgEvents(meta.organizationId).publishPresence(meta.workspaceId, presence);
  }
}
