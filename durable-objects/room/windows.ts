import { CloseCode } from '../../core/protocol';
import type { RoomResult, TerminalWindow, TicketPrincipal } from './contract';
import { roomLimits } from './limits';
import { quotaExceeded } from './results';
import { dropRelay } from './relays';
import { broadcast, viewersOf } from './sockets';
import { loadMeta, type RoomState } from './state';
import { TICKET_PREFIX, WINDOW_PREFIX } from './storage-keys';

// Terminal windows and single-use terminal tickets, both kept in room storage.

export const TICKET_TTL_MS = 30_000;

export function getWindow(s: RoomState, windowId: string): Promise<TerminalWindow | undefined> {
  return s.ctx.storage.get<TerminalWindow>(WINDOW_PREFIX + windowId);
}

export async function createWindow(
  s: RoomState,
  name: string | undefined,
  userId: string,
): Promise<RoomResult<{ window: TerminalWindow }>> {
  const existing = await s.ctx.storage.list({ prefix: WINDOW_PREFIX });
  const max = (await roomLimits(s)).windows;
  if (existing.size >= max) return quotaExceeded('windows', max, existing.size);
  const windowId = crypto.randomUUID();
  const win: TerminalWindow = {
    windowId,
    name: name ?? `Terminal ${existing.size + 1}`,
    slug: `w-${windowId}`,
    createdAt: Date.now(),
    createdBy: userId,
  };
  await s.ctx.storage.put(WINDOW_PREFIX + windowId, win);
  await announceWindows(s);
  return { ok: true, window: win };
}

export async function renameWindow(s: RoomState, windowId: string, name: string) {
  const win = await getWindow(s, windowId);
  if (!win) return undefined;
  const renamed = { ...win, name };
  await s.ctx.storage.put(WINDOW_PREFIX + windowId, renamed);
  await announceWindows(s);
  return renamed;
}

/** Stores a window the room made itself (the Setup window) and tells every viewer. */
export async function putWindow(s: RoomState, win: TerminalWindow) {
  await s.ctx.storage.put(WINDOW_PREFIX + win.windowId, win);
  await announceWindows(s);
}

/** Every viewer of the workspace learns the new window list, so tabs stay the same on every device. */
async function announceWindows(s: RoomState) {
  const windows = (await listWindows(s)).map(({ windowId, name, createdAt, kind }) => ({
    windowId,
    name,
    createdAt,
    ...(kind ? { kind } : {}),
  }));
  broadcast(s, { type: 'windows', windows });
}

export async function listWindows(s: RoomState): Promise<(TerminalWindow & { viewers: number })[]> {
  const all = await s.ctx.storage.list<TerminalWindow>({ prefix: WINDOW_PREFIX });
  return [...all.values()]
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((w) => ({ ...w, viewers: viewersOf(s, w.windowId).length }));
}

/** Deletes a window: its viewers are closed with 4000 and its shell on the VM is ended. */
export async function closeWindow(s: RoomState, windowId: string): Promise<boolean> {
  const win = await getWindow(s, windowId);
  if (!win) return false;
  await s.ctx.storage.delete(WINDOW_PREFIX + windowId);
  dropRelay(s, windowId, CloseCode.windowClosed, 'window closed');
  await announceWindows(s);
  const meta = await loadMeta(s);
  if (meta?.vmId) await s.deps.vm.killPtySession(meta.vmId, win.slug).catch(() => {});
  return true;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export async function issueTicket(s: RoomState, principal: TicketPrincipal) {
  const now = Date.now();
  const old = await s.ctx.storage.list<{ expiresAt: number }>({ prefix: TICKET_PREFIX, limit: 200 });
  const expired = [...old].filter(([, t]) => t.expiresAt < now).map(([k]) => k);
  if (expired.length) await s.ctx.storage.delete(expired);
  const ticket = randomToken();
  const expiresAt = now + TICKET_TTL_MS;
  await s.ctx.storage.put(TICKET_PREFIX + ticket, { principal, expiresAt });
  return { ticket, expiresAt };
}

/** A ticket works once, within TICKET_TTL_MS. */
export async function redeemTicket(s: RoomState, ticket: string): Promise<TicketPrincipal | null> {
  if (!ticket || ticket.length > 100) return null;
  const key = TICKET_PREFIX + ticket;
  const stored = await s.ctx.storage.get<{ principal: TicketPrincipal; expiresAt: number }>(key);
  if (!stored) return null;
  await s.ctx.storage.delete(key);
  return stored.expiresAt >= Date.now() ? stored.principal : null;
}
