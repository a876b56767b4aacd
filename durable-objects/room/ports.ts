import { previewUrl, type PortInfo, type PortVisibility } from '../../core/ports';
import { listPortsByExec, type VmPort } from '../../core/vm';
import { recordAudit } from '../../db/audit';
import { portVisibilities, setPortVisibility } from '../../db/queries/ports';
import { send } from '../relay/flow';
import type { Actor, RoomResult } from './contract';
import { notFoundResult, vmFailure } from './results';
import { broadcast } from './sockets';
import { loadMeta, type RoomState } from './state';

// The workspace's listening ports as its clients see them: the VM's sockets, each with its
// visibility (Postgres, private unless set) and preview URL. While terminal viewers are connected the
// room polls the VM every second and pushes `ports` when the list changes, so a dev server that
// starts or stops shows within 2 s.

export const PORTS_POLL_MS = 1000;

interface PortsMemory {
  visibility?: Map<number, PortVisibility>;
  last?: PortInfo[];
  lastJson?: string;
  poll: ReturnType<typeof setTimeout> | null;
}

const memories = new WeakMap<RoomState, PortsMemory>();
export function portsMemory(s: RoomState): PortsMemory {
  let m = memories.get(s);
  if (!m) memories.set(s, (m = { poll: null }));
  return m;
}

export async function visibilityOf(s: RoomState, port: number): Promise<PortVisibility> {
  const m = portsMemory(s);
  m.visibility ??= await s.deps.withDb((db) => portVisibilities(db, s.workspaceId));
  return m.visibility.get(port) ?? 'private';
}

export function portInfo(s: RoomState, port: number, visibility: PortVisibility, process?: string): PortInfo {
  const p = s.deps.config.preview;
  return {
    port,
    ...(process ? { process } : {}),
    visibility,
    url: p ? previewUrl(p.scheme, port, s.workspaceId, p.domain) : '',
  };
}

async function vmPorts(s: RoomState, vmId: string): Promise<VmPort[]> {
  if (s.deps.config.localMode) return (await s.deps.vm.listPorts(vmId)).ports;
  // Freestyle has no ports endpoint: the VM's own socket table says what listens.
  return listPortsByExec(s.deps.vm, vmId);
}

/** The ports now (from the VM when it runs or is paused), with visibility and URL. */
export async function currentPorts(s: RoomState): Promise<RoomResult<{ ports: PortInfo[] }>> {
  const meta = await loadMeta(s);
  if (!meta) return notFoundResult();
  const m = portsMemory(s);
  if (!meta.vmId || (meta.status !== 'running' && meta.status !== 'paused')) {
    m.last = [];
    return { ok: true, ports: [] };
  }
  let listed: VmPort[];
  try {
    listed = await vmPorts(s, meta.vmId);
  } catch (e) {
    if (m.last) return { ok: true, ports: m.last };
    return vmFailure(e, 'list the ports');
  }
  await visibilityOf(s, 0);
  const ports = listed
    .sort((a, b) => a.port - b.port)
    .map((p) => portInfo(s, p.port, m.visibility!.get(p.port) ?? 'private', p.process));
  m.last = ports;
  return { ok: true, ports };
}

/** Reads the ports and pushes them to every viewer when they changed (or `force`). */
export async function refreshPorts(s: RoomState, force = false) {
  const r = await currentPorts(s);
  if (!r.ok) return;
  const m = portsMemory(s);
  const json = JSON.stringify(r.ports);
  if (!force && json === m.lastJson) return;
  m.lastJson = json;
  broadcast(s, { type: 'ports', ports: r.ports });
}

/** A viewer joined: it gets the last list at once, and the room polls while anyone watches. */
export function watchPorts(s: RoomState, ws?: WebSocket) {
  const m = portsMemory(s);
  if (ws && m.last) send(ws, { type: 'ports', ports: m.last });
  if (m.poll) return;
  const tick = async () => {
    if (s.sockets.size === 0) {
      m.poll = null;
      return;
    }
    await refreshPorts(s).catch(() => undefined);
    m.poll = setTimeout(() => void tick(), PORTS_POLL_MS);
  };
  m.poll = setTimeout(() => void tick(), 0);
}

/** `PATCH .../ports/:port`: Postgres, the audit trail (public is what matters), then every viewer. */
export async function setVisibility(
  s: RoomState,
  port: number,
  visibility: PortVisibility,
  actor: Actor,
): Promise<RoomResult<{ port: PortInfo; previous: PortVisibility }>> {
  const meta = await loadMeta(s);
  if (!meta) return notFoundResult();
  const previous = await visibilityOf(s, port);
  await s.deps.withDb(async (db) => {
    await setPortVisibility(db, s.workspaceId, port, visibility, actor.userId);
    if (previous !== visibility) {
      await recordAudit(db, {
        organizationId: meta.organizationId,
        workspaceId: s.workspaceId,
        actorUserId: actor.userId,
        actorType: actor.type,
        action: visibility === 'public' ? 'port_public' : 'port_private',
        detail: { port },
      });
    }
  });
  portsMemory(s).visibility!.set(port, visibility);
  const process = portsMemory(s).last?.find((p) => p.port === port)?.process;
  await refreshPorts(s, true).catch(() => undefined);
  return { ok: true, port: portInfo(s, port, visibility, process), previous };
}
