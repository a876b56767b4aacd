import type { PreviewGate, PreviewGateRequest } from '../../durable-objects/room/preview-contract';

// The room's "forward" decision, kept in this isolate for half a second: a page load's burst of
// requests (scripts, styles, images, hot-reload modules) asks the room once, not once per request.
// Only "forward" is kept (login pages, resuming, errors always ask), keyed by everything the room
// decided on: workspace, port and the caller (the cookie's grant token, the checked key, or nobody).
// The bound: a revocation (sign-out, removal, key deleted, port made private) stops new requests
// within GATE_TTL_MS, the same half second a streamed answer takes to learn of it. A paused or
// stopped VM is not missed: the forwarder answers such a request itself (`VM_PAUSED`, ...), and
// the Worker then drops the entry and asks the room, which resumes it or says it is stopped.

export const GATE_TTL_MS = 500;
const MAX_ENTRIES = 10_000;

type Forward = Extract<PreviewGate, { kind: 'forward' }>;
/** workspace -> (port and caller) -> the decision and until when it holds. */
const entries = new Map<string, Map<string, { gate: Forward; until: number }>>();
let size = 0;

export interface GateKey {
  workspaceId: string;
  who: string;
}

export function gateKey(workspaceId: string, req: PreviewGateRequest): GateKey {
  const caller = req.principal
    ? `key:${req.principal.keyId ?? ''}:${req.principal.userId}`
    : req.token
      ? `grant:${req.token}`
      : 'anyone';
  return { workspaceId, who: `${req.port}\n${caller}` };
}

export function cachedGate(k: GateKey, now = Date.now()): Forward | undefined {
  const e = entries.get(k.workspaceId)?.get(k.who);
  if (!e) return undefined;
  if (e.until > now) return e.gate;
  forgetGate(k);
  return undefined;
}

export function rememberGate(k: GateKey, gate: PreviewGate, now = Date.now()) {
  if (gate.kind !== 'forward') return forgetGate(k);
  if (size >= MAX_ENTRIES) forgetAllGates();
  let m = entries.get(k.workspaceId);
  if (!m) entries.set(k.workspaceId, (m = new Map()));
  if (!m.has(k.who)) size++;
  m.set(k.who, { gate, until: now + GATE_TTL_MS });
}

export function forgetGate(k: GateKey) {
  const m = entries.get(k.workspaceId);
  if (m?.delete(k.who)) size--;
  if (m && m.size === 0) entries.delete(k.workspaceId);
}

/**
 * Access to a workspace's ports changed through this isolate (a port made private, a revocation):
 * its decisions go now, here. Other isolates learn of it within GATE_TTL_MS.
 */
export function forgetWorkspaceGates(workspaceId: string) {
  size -= entries.get(workspaceId)?.size ?? 0;
  entries.delete(workspaceId);
}

export function forgetAllGates() {
  entries.clear();
  size = 0;
}
