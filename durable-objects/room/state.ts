import type { WorkspaceAction, WorkspaceStatus } from '../../core/workspace-state';

import { getWorkspace, type WorkspaceRow } from '../../db/queries/workspaces';
import { createRoomDeps, type RoomDeps } from './context';
import { Lock } from './lock';
import type { WindowRelay } from './terminal';

/** The room's memory of its workspace, refreshed on every change. */
export interface Meta {
  workspaceId: string;
  organizationId: string;
  status: WorkspaceStatus;
  vmId: string | null;
  autoStopMinutes: number;
}

/** In-memory activity bookkeeping; storage keeps the last activity and warning (room/idle.ts keys). */
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
  /** Created on first use: the config is parsed only when the room does real work. */
  readonly deps: RoomDeps;
  readonly lock: Lock;
  readonly relays: Map<string, WindowRelay>;
  readonly graceTimers: Map<string, ReturnType<typeof setTimeout>>;
  meta?: Meta;
  resuming: Promise<boolean> | null;
  inFlight: WorkspaceAction | null;
  readonly activity: ActivityState;
  presenceTimer: ReturnType<typeof setTimeout> | null;
  /** Viewers whose close is being handled: getWebSockets() still lists them until it returns. */
  readonly closingViewers: Set<string>;
}

export function createRoomState(ctx: DurableObjectState, env: Env): RoomState {
  let deps: RoomDeps | undefined;
  return {
    ctx,
    env,
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
    closingViewers: new Set(),
  };
}

/** The room's one storage fact about itself: which workspace it serves (alarms need it). */
export async function remember(s: RoomState, workspaceId: string) {
  if ((await s.ctx.storage.get('workspaceId')) !== workspaceId) {
    await s.ctx.storage.put('workspaceId', workspaceId);
  }
}

export function storedWorkspaceId(s: RoomState): Promise<string | undefined> {
  return s.ctx.storage.get<string>('workspaceId');
}

export function setMeta(
  s: RoomState,
  ws: Pick<WorkspaceRow, 'id' | 'organizationId' | 'status' | 'freestyleVmId' | 'autoStopMinutes'>,
): Meta {
  s.meta = {
    workspaceId: ws.id,
    organizationId: ws.organizationId,
    status: ws.status,
    vmId: ws.freestyleVmId,
    autoStopMinutes: ws.autoStopMinutes,
  };
  return s.meta;
}

export async function loadMeta(s: RoomState, workspaceId?: string): Promise<Meta | undefined> {
  if (s.meta) return s.meta;
  const id = workspaceId ?? (await storedWorkspaceId(s));
  if (!id) return undefined;
  const ws = await s.deps.withDb((db) => getWorkspace(db, id));
  return ws ? setMeta(s, ws) : undefined;
}
