import { previewUrl, type PortInfo, type PortVisibility } from '../../core/ports';
import { printable } from '../../core/schemas/text';
import { listPortsByExec, type VmPort } from '../../core/vm';
import { auditInsert } from '../../db/audit';
import { portVisibilities, setPortVisibility } from '../../db/queries/ports';
import { send } from '../relay/flow';
import type { Actor, RoomResult } from './contract';
import { notFoundResult, vmFailure } from './results';
import { broadcast } from './sockets';
import { loadMeta, type RoomState } from './state';
import { DEVCONTAINER_PORTS_KEY } from './storage-keys';

// The workspace's ports as its clients see them: the VM's listening sockets, devcontainer.json's
// `forwardPorts` (named before they listen, `listening: false`) and the ports whose visibility was
// set (listed in every status, stopped too), each with its `portsAttributes` label,
// visibility (Postgres, private unless set) and preview URL. While terminal viewers are connected the
// room polls the VM every second and pushes `ports` when the list changes, so a dev server that
// starts or stops shows within 2 s.

export const PORTS_POLL_MS = 1000;

/** What setup read from devcontainer.json (room/setup.ts writes it at every setup start). */
interface Forwarded {
  forwardPorts: number[];
  portLabels: Record<string, string>;
}

interface PortsMemory {
  visibility?: Map<number, PortVisibility>;
  forwarded?: Forwarded;
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

export function portInfo(
  s: RoomState,
  port: number,
  visibility: PortVisibility,
  seen: { process?: string; label?: string; listening: boolean },
): PortInfo {
  const p = s.deps.config.preview;
  // Both come from outside (a repository's file, a process in the VM) and end up in people's terminals.
  const label = seen.label === undefined ? undefined : printable(seen.label, 60);
  const process = seen.process === undefined ? undefined : printable(seen.process, 60);
  return {
    port,
    ...(label ? { label } : {}),
    ...(process ? { process } : {}),
    listening: seen.listening,
    visibility,
    url: p ? previewUrl(p.scheme, port, s.workspaceId, p.domain) : '',
  };
}

async function forwarded(s: RoomState): Promise<Forwarded> {
  const m = portsMemory(s);
  m.forwarded ??= (await s.ctx.storage.get<Forwarded>(DEVCONTAINER_PORTS_KEY)) ?? {
    forwardPorts: [],
    portLabels: {},
  };
  return m.forwarded;
}

/** Setup read devcontainer.json again: its ports show at once, listening or not. */
export async function forwardedPortsChanged(s: RoomState) {
  portsMemory(s).forwarded = undefined;
  await refreshPorts(s).catch(() => undefined);
}

async function vmPorts(s: RoomState, vmId: string): Promise<VmPort[]> {
  if (s.deps.config.localMode) return (await s.deps.vm.listPorts(vmId)).ports;
  // Freestyle has no ports endpoint: the VM's own socket table says what listens.
  return listPortsByExec(s.deps.vm, vmId);
}

/**
 * The ports now: the workspace's configured ports (devcontainer.json's `forwardPorts` and every port
 * someone set a visibility for) in every status, as Codespaces keeps them listed, and the VM's
 * listening ones when it runs or is paused; each with label, visibility and URL. A stopped
 * workspace's ports are all `listening: false` (their URLs answer that it is stopped).
 */
export async function currentPorts(s: RoomState): Promise<RoomResult<{ ports: PortInfo[] }>> {
  const meta = await loadMeta(s);
  if (!meta) return notFoundResult();
  const m = portsMemory(s);
  const vmUp = !!meta.vmId && (meta.status === 'running' || meta.status === 'paused');
  let listed: VmPort[] = [];
  if (vmUp) {
    try {
      listed = await vmPorts(s, meta.vmId!);
    } catch (e) {
      if (m.last) return { ok: true, ports: m.last };
      return vmFailure(e, 'list the ports');
    }
  }
  await visibilityOf(s, 0);
  const fwd = await forwarded(s);
  const seen = new Map<number, { process?: string; listening: boolean }>();
  for (const p of listed) seen.set(p.port, { process: p.process, listening: true });
  const configured = [...fwd.forwardPorts, ...m.visibility!.keys()];
  for (const port of configured) if (!seen.has(port)) seen.set(port, { listening: false });
  const ports = [...seen]
    .sort(([a], [b]) => a - b)
    .map(([port, x]) =>
      portInfo(s, port, m.visibility!.get(port) ?? 'private', { ...x, label: fwd.portLabels[String(port)] }),
    );
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
    const write = setPortVisibility(db, s.workspaceId, port, visibility, actor.userId);
    if (previous === visibility) return void (await write);
    // The change and its audit entry in one round trip (one transaction).
    await db.batch([
      write,
      auditInsert(db, {
        organizationId: meta.organizationId,
        workspaceId: s.workspaceId,
        actorUserId: actor.userId,
        actorType: actor.type,
        action: visibility === 'public' ? 'port_public' : 'port_private',
        detail: { port },
      }),
    ]);
  });
  const m = portsMemory(s);
  m.visibility!.set(port, visibility);
  await refreshPorts(s, true).catch(() => undefined);
  const known = m.last?.find((p) => p.port === port);
  const label = (await forwarded(s)).portLabels[String(port)];
  return {
    ok: true,
    port: known ? { ...known, visibility } : portInfo(s, port, visibility, { label, listening: false }),
    previous,
  };
}
