import type { WorkspaceEvent, WorkspaceEventInput } from '../../core/protocol';
import { broadcast } from './sockets';
import { loadMeta, type RoomState } from './state';

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
