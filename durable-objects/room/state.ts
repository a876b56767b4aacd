import type { Limits } from '../../core/limits';
import type { VmHealth } from '../../core/protocol';
import type { WorkspaceAction, WorkspaceStatus } from '../../core/workspace-state';
import { getWorkspace, type WorkspaceRow } from '../../db/queries/workspaces';
import type { WindowRelay } from '../relay/window-relay';
import { createRoomDeps, type RoomDeps } from './context';
import { Lock } from './lock';
import type { ViewerSocket } from './viewer-socket';
import { STORAGE_VERSION, STORAGE_VERSION_KEY, WORKSPACE_ID_KEY } from './storage-keys';

/** The room's memory of its workspace row: what its modules read without a query. */
export interface Meta {
  workspaceId: string;
  organizationId: string;
  status: WorkspaceStatus;
  vmId: string | null;
  autoStopMinutes: number;
}

/** Activity bookkeeping in memory; written only by the idle policy (room/idle.ts). */
export interface ActivityState {
  lastAt: number;
  persistedAt: number;
  touchedDbAt: number;
  warnedFor: number | undefined;
}

/**
 * Everything the room keeps in memory, in one object handed to its modules. All of it is rebuilt
 * from storage, the database or socket attachments after hibernation.
 */
export interface RoomState {
  readonly ctx: DurableObjectState;
  readonly env: Env;
  /** The workspace this room serves: its Durable Object name (rooms are addressed by workspace id). */
  readonly workspaceId: string;
  /** Created on first use: the config is parsed only when the room does real work. */
  readonly deps: RoomDeps;
  readonly lock: Lock;
  readonly relays: Map<string, WindowRelay>;
  readonly graceTimers: Map<string, ReturnType<typeof setTimeout>>;
  /** Written only here: by `observe` (every row the room sees) and `loadMeta` (lazily, from the database). */
  meta?: Meta;
  resuming: Promise<unknown> | null;
  inFlight: WorkspaceAction | null;
  readonly activity: ActivityState;
  presenceTimer: ReturnType<typeof setTimeout> | null;
  /** The organization's limits as last read, and when (room/limits.ts). */
  limits?: { value: Limits; at: number };
  /** The open terminal sockets (room/sockets.ts). */
  readonly sockets: Map<WebSocket, ViewerSocket>;
  /** The VM's resource use at the last health check (room/health.ts), sent to a viewer on attach. */
  health?: VmHealth;
  /**
   * A shell died or its PTY failed: until then the VM is checked every 2 s, as its host may not have
   * seen the crash yet when the first check asks (and with the shell gone, nobody may be connected).
   */
  suspectUntil?: number;
  /** Plain SSH sessions seen in the VM at the last check (room/ssh-presence.ts). */
  sshScan?: SshScanState;
}

export interface SshPresent {
  userId: string;
  name: string;
  image: string | null;
}

export interface SshScanState {
  present: SshPresent[];
  /** The terminal time last seen per session (`<user>.<pid>`). */
  ttyAt: Map<string, number>;
  names: Map<string, { name: string; image: string | null }>;
}

/**
 * The workspace id comes from the Durable Object's name. Where the runtime does not give a Durable
 * Object its name (some alarm invocations), the copy kept in storage answers.
 */
export async function createRoomState(ctx: DurableObjectState, env: Env): Promise<RoomState> {
  let workspaceId = ctx.id.name;
  if (workspaceId) {
    if ((await ctx.storage.get(WORKSPACE_ID_KEY)) !== workspaceId) {
      await ctx.storage.put({ [WORKSPACE_ID_KEY]: workspaceId, [STORAGE_VERSION_KEY]: STORAGE_VERSION });
    }
  } else {
    workspaceId = (await ctx.storage.get<string>(WORKSPACE_ID_KEY)) ?? '';
  }
  let deps: RoomDeps | undefined;
  return {
    ctx,
    env,
    workspaceId,
    get deps() {
      deps ??= createRoomDeps(ctx.storage, env);
      return deps;
    },
    lock: new Lock(),
    relays: new Map(),
    graceTimers: new Map(),
    meta: undefined,
    resuming: null,
    inFlight: null,
    activity: { lastAt: 0, persistedAt: 0, touchedDbAt: 0, warnedFor: undefined },
    presenceTimer: null,
    sockets: new Map(),
  };
}

type MetaSource = Pick<
  WorkspaceRow,
  'id' | 'organizationId' | 'status' | 'freestyleVmId' | 'autoStopMinutes'
>;

/** Remembers a workspace row the room has just read or been handed. */
export function observe(s: RoomState, ws: MetaSource): Meta {
  s.meta = {
    workspaceId: ws.id,
    organizationId: ws.organizationId,
    status: ws.status,
    vmId: ws.freestyleVmId,
    autoStopMinutes: ws.autoStopMinutes,
  };
  return s.meta;
}

/** The remembered row, read from the database when the room has none (or `fresh` is asked for). */
export async function loadMeta(s: RoomState, fresh = false): Promise<Meta | undefined> {
  if (s.meta && !fresh) return s.meta;
  return (await readWorkspace(s)) ? s.meta : undefined;
}

/** Reads the workspace row and remembers it. */
export async function readWorkspace(s: RoomState): Promise<WorkspaceRow | undefined> {
  if (!s.workspaceId) return undefined;
  const ws = await s.deps.withDb((db) => getWorkspace(db, s.workspaceId));
  if (ws) observe(s, ws);
  else s.meta = undefined;
  return ws;
}
