import { z } from 'zod';
import { WORKSPACE_STATUSES } from '../workspace-state';
import { CLIENT_TYPES } from '../schemas/sessions';
import { PortInfoSchema } from '../ports';

// The WebSocket messages of the product, defined once and imported by the Worker, the Durable Objects
// and every client. docs/terminal-protocol.md explains them. Binary frames are raw terminal bytes
// (output server -> client, input client -> server); text frames are these JSON objects.

/**
 * Flow control: how many output bytes a viewer may have sent but not acknowledged. Bigger windows ride
 * out ack latency (a 1 MiB window is ~30 ms of a flood: viewers stalled and resynced constantly); but
 * every viewer's window can sit in the room's socket buffers at once, so a window's viewers share a
 * budget. 1-12 viewers get 4 MiB each; 50 get about 1 MiB.
 */
export const FLOW_WINDOW_MAX_BYTES = 4 * 1024 * 1024;
export const FLOW_WINDOW_MIN_BYTES = 512 * 1024;
export const FLOW_WINDOW_BUDGET_BYTES = 48 * 1024 * 1024;

export function flowWindowFor(viewers: number): number {
  const share = Math.floor(FLOW_WINDOW_BUDGET_BYTES / Math.max(1, viewers));
  return Math.min(FLOW_WINDOW_MAX_BYTES, Math.max(FLOW_WINDOW_MIN_BYTES, share));
}
/** Clients acknowledge after processing at least this many bytes (and whenever they drain). */
export const FLOW_ACK_EVERY_BYTES = 64 * 1024;
/** A stalled viewer is resynchronised once its unacknowledged bytes fall to this. */
export const FLOW_RESUME_BYTES = 256 * 1024;
/** Input frames larger than this are split by the room; clients should send at most this much per frame. */
export const MAX_INPUT_FRAME_BYTES = 64 * 1024;
/** Scrollback kept by the room's terminal per window and sent with every screen. */
export const SCROLLBACK_LINES = 2000;
/** Clients send a heartbeat this often; a session is stale after SESSION_STALE_MS without one. */
export const HEARTBEAT_INTERVAL_MS = 30_000;
export const SESSION_STALE_MS = 2 * 60_000;
/** Clients are warned this long before an idle workspace is paused. */
export const IDLE_WARNING_MS = 2 * 60_000;
/** A workspace paused this long is stopped. */
export const PAUSED_STOP_MS = 24 * 60 * 60_000;

/** Close codes of the terminal socket (1000 is never used for these: a client must tell them apart). */
export const CloseCode = {
  /** The terminal window was deleted. */
  windowClosed: 4000,
  /** The workspace stopped, failed or was deleted. */
  workspaceGone: 4001,
  /** The shell exited; attaching again starts a new one. */
  shellExited: 4002,
  /** The VM's PTY could not be reached or refused. */
  relayFailed: 4003,
  /** The caller's access ended: removed from the organization, signed out, or its API key deleted or expired. */
  revoked: 4004,
  /** The window's session was replaced (its setup runs again): attaching again shows the new one. */
  restarted: 4005,
} as const;

/** No viewer shrinks a shared terminal below this: a 2x1 window is useless to everyone else. */
export const MIN_TERMINAL_COLS = 20;
export const MIN_TERMINAL_ROWS = 5;
export const clampTerminalSize = (cols: number, rows: number) => ({
  cols: Math.max(cols, MIN_TERMINAL_COLS),
  rows: Math.max(rows, MIN_TERMINAL_ROWS),
});

const cols = z.number().int().min(2).max(1000);
const rows = z.number().int().min(1).max(1000);

// ---------------------------------------------------------------- terminal socket, client -> server

export const TerminalClientMsgSchema = z.discriminatedUnion('type', [
  /** The viewer's own size; the window's size is the smallest attached viewer's. */
  z.object({ type: z.literal('resize'), cols, rows }),
  /** Output bytes (binary frames only) this viewer has processed since its last ack. */
  z.object({
    type: z.literal('ack'),
    bytes: z
      .number()
      .int()
      .min(0)
      .max(1 << 30),
  }),
  z.object({ type: z.literal('signal'), signal: z.enum(['sigint', 'sigkill']) }),
  /** Presence; `active: true` means a person is at the keyboard (counts as activity). */
  z.object({ type: z.literal('heartbeat'), active: z.boolean().optional() }),
  z.object({ type: z.literal('ping') }),
]);
export type TerminalClientMsg = z.infer<typeof TerminalClientMsgSchema>;

// ---------------------------------------------------------------- shared pieces

export const PresenceUserSchema = z.object({
  userId: z.string(),
  name: z.string(),
  image: z.string().nullable(),
  clientTypes: z.array(z.enum(CLIENT_TYPES)),
  /** Open terminal sockets of this user in the workspace. */
  terminals: z.number().int(),
});
export type PresenceUser = z.infer<typeof PresenceUserSchema>;

export const PresenceSchema = z.object({ count: z.number().int(), users: z.array(PresenceUserSchema) });
export type Presence = z.infer<typeof PresenceSchema>;

export const WORKSPACE_EVENT_TYPES = [
  'pulled',
  'pull_skipped',
  'paused',
  'resumed',
  'stopped',
  'error',
  'idle_warning',
  /** An idle pause failed (the VM host was unreachable); it is retried with backoff. */
  'pause_failed',
  /** The workspace's record was repaired to match its VM (room/reconcile.ts). */
  'reconciled',
  /** The VM's OOM killer ended a process: "Out of memory: node was killed (limit 4 GiB)" (room/health.ts). */
  'out_of_memory',
  /** "Disk 90% full (9.0 of 10 GiB)". */
  'disk_warning',
  /** "Disk full": writes in the VM fail. */
  'disk_full',
  /** The repository's setup started, finished or failed in the Setup window (room/setup.ts). */
  'setup_started',
  'setup_succeeded',
  'setup_failed',
] as const;
export const WorkspaceEventSchema = z.object({
  type: z.enum(WORKSPACE_EVENT_TYPES),
  message: z.string().max(1000),
  at: z.number(),
});
export type WorkspaceEvent = z.infer<typeof WorkspaceEventSchema>;
export type WorkspaceEventInput = Omit<WorkspaceEvent, 'at'> & { at?: number };

export const WorkspaceStateSchema = z.object({
  workspaceId: z.string(),
  name: z.string(),
  status: z.enum(WORKSPACE_STATUSES),
  statusMessage: z.string().nullable(),
  /** `vm_crashed`: an error whose VM stopped or vanished without being asked to. */
  statusCode: z.string().nullable().optional(),
  /** ms since the epoch */
  statusChangedAt: z.number(),
  lastCommitSha: z.string().nullable(),
});
export type WorkspaceState = z.infer<typeof WorkspaceStateSchema>;

/**
 * A running VM's resource use as its room last read it (every 10 s while someone is connected, every
 * minute otherwise). null where the VM provider does not say: Freestyle reports CPU time and sizes,
 * only the local VM host memory and disk in use.
 */
export const VmHealthSchema = z.object({
  memory: z.object({ usedBytes: z.number(), limitBytes: z.number() }).nullable(),
  disk: z.object({ usedBytes: z.number(), quotaBytes: z.number() }).nullable(),
  /** Total CPU seconds; `percent` of the VM's vCPUs since the previous reading (null for the first). */
  cpu: z.object({ seconds: z.number(), count: z.number(), percent: z.number().nullable() }).nullable(),
  /** ms since the epoch */
  at: z.number(),
});
export type VmHealth = z.infer<typeof VmHealthSchema>;

// ---------------------------------------------------------------- terminal socket, server -> client

export const TerminalServerMsgSchema = z.discriminatedUnion('type', [
  /** First frame on every terminal socket. */
  z.object({
    type: z.literal('hello'),
    windowId: z.string(),
    viewerId: z.string(),
    flow: z.object({ window: z.number(), ackEvery: z.number() }),
  }),
  /** Before the screen: the workspace is being resumed, or the shell is being reached. */
  z.object({ type: z.literal('status'), status: z.enum(['resuming', 'connecting']) }),
  /**
   * Replace the whole terminal with `data` (reset, then write it): the exact current screen and
   * scrollback. Live binary output follows. Sent on attach and to resynchronise a stalled viewer.
   */
  z.object({
    type: z.literal('screen'),
    data: z.string(),
    cols,
    rows,
    reason: z.enum(['attach', 'resync']),
  }),
  /** The window's size changed (the smallest attached viewer's). */
  z.object({ type: z.literal('size'), cols, rows }),
  z.object({ type: z.literal('exited'), exitCode: z.number().int() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('presence'), presence: PresenceSchema }),
  z.object({ type: z.literal('workspace'), workspace: WorkspaceStateSchema }),
  /** The workspace will be paused at `pausesAt` (ms) unless there is activity; null: cancelled. */
  z.object({ type: z.literal('idle_warning'), pausesAt: z.number().nullable() }),
  z.object({ type: z.literal('event'), event: WorkspaceEventSchema }),
  /** The VM's resource use, on every health check of the room (and on attach, the latest). */
  z.object({ type: z.literal('health'), health: VmHealthSchema }),
  /** The workspace's terminal windows changed (created, renamed, closed): the whole list, in order. */
  z.object({
    type: z.literal('windows'),
    windows: z.array(
      z.object({
        windowId: z.string(),
        name: z.string(),
        createdAt: z.number(),
        kind: z.literal('setup').optional(),
      }),
    ),
  }),
  /** The workspace's listening ports changed (a server started or stopped, a visibility changed): all of them. */
  z.object({ type: z.literal('ports'), ports: z.array(PortInfoSchema) }),
  z.object({ type: z.literal('pong') }),
]);
export type TerminalServerMsg = z.infer<typeof TerminalServerMsgSchema>;

// ---------------------------------------------------------------- organization events socket

/** Clients only ping; anything else is answered with an error frame. */
export const OrgClientMsgSchema = z.discriminatedUnion('type', [z.object({ type: z.literal('ping') })]);
export type OrgClientMsg = z.infer<typeof OrgClientMsgSchema>;

export const OrgServerMsgSchema = z.discriminatedUnion('type', [
  /** First frame (and after every reconnect): every workspace of the organization, with presence. */
  z.object({
    type: z.literal('snapshot'),
    organizationId: z.string(),
    workspaces: z.array(WorkspaceStateSchema.extend({ presence: PresenceSchema })),
  }),
  z.object({ type: z.literal('workspace'), workspace: WorkspaceStateSchema }),
  z.object({ type: z.literal('removed'), workspaceId: z.string() }),
  z.object({ type: z.literal('presence'), workspaceId: z.string(), presence: PresenceSchema }),
  z.object({ type: z.literal('event'), workspaceId: z.string(), event: WorkspaceEventSchema }),
  z.object({ type: z.literal('health'), workspaceId: z.string(), health: VmHealthSchema }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('pong') }),
]);
export type OrgServerMsg = z.infer<typeof OrgServerMsgSchema>;

/** Parses a text frame with a schema: the message, or a reason to answer with an error frame. */
export function parseFrame<S extends z.ZodType>(
  schema: S,
  text: string,
): { ok: true; msg: z.output<S> } | { ok: false; message: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: 'Text frames must be JSON.' };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `Invalid message: ${issue?.path.join('.') || 'type'} ${issue?.message}` };
  }
  return { ok: true, msg: parsed.data };
}

export const emptyPresence = (): Presence => ({ count: 0, users: [] });
