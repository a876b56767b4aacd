import { CloseCode, type WorkspaceEvent, type WorkspaceEventInput } from '../../core/protocol';
import type { WorkspaceRow } from '../../db/queries/workspaces';
import { workspaceState } from '../org-events';
import { armIdle, disarmIdle, recordActivity } from './activity';
import { PAUSED_STOP_TIMER, stopDueAt } from './idle';
import { closeAllTerminals } from './relays';
import { broadcast } from './sockets';
import { loadMeta, setMeta, type RoomState } from './state';
import { clearTimer, setTimer } from './timers';

// What the room tells others: its terminal sockets (broadcast) and the organization's live socket
// (OrgEvents). Publishing to OrgEvents is best effort: a lost message is repaired by its snapshot.

export function orgEventsOf(s: RoomState, organizationId: string) {
  return s.env.ORG_EVENTS.get(s.env.ORG_EVENTS.idFromName(organizationId));
}

/** An event of this workspace (e.g. `{ type: 'pulled', message }`) to its terminals and its org. */
export async function emit(s: RoomState, input: WorkspaceEventInput) {
  const event: WorkspaceEvent = { ...input, at: input.at ?? Date.now() };
  broadcast(s, { type: 'event', event });
  const meta = await loadMeta(s);
  if (meta)
    await orgEventsOf(s, meta.organizationId)
      .publishEvent(meta.workspaceId, event)
      .catch(() => {});
}

/** Every status or record change of the workspace passes here, to reach its clients. */
export async function workspaceChanged(s: RoomState, ws: WorkspaceRow): Promise<void> {
  const before = s.meta?.status;
  setMeta(s, ws);
  const state = workspaceState(ws);
  broadcast(s, { type: 'workspace', workspace: state });
  const org = orgEventsOf(s, ws.organizationId);
  const publishes: Promise<unknown>[] = [org.publishWorkspace(state)];
  const now = Date.now();
  const storage = s.ctx.storage;
  if (ws.status === 'running') {
    if (before !== 'running') {
      // Becoming running (provisioned, resumed, started) counts as activity.
      recordActivity(s, true);
      await clearTimer(storage, PAUSED_STOP_TIMER);
      await armIdle(s, now);
    }
  } else {
    await disarmIdle(s);
  }
  if (ws.status === 'paused') {
    await setTimer(storage, PAUSED_STOP_TIMER, stopDueAt(new Date(ws.statusChangedAt).getTime()));
  } else {
    await clearTimer(storage, PAUSED_STOP_TIMER);
  }
  if (ws.status === 'stopped' || ws.status === 'error') {
    closeAllTerminals(s, CloseCode.workspaceGone, `workspace ${ws.status}`);
  }
  if (ws.status === 'error' && before !== 'error') {
    publishes.push(emit(s, { type: 'error', message: ws.statusMessage ?? 'The workspace failed.' }));
  }
  await Promise.allSettled(publishes);
}
