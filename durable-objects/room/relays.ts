import { CloseCode } from '../../core/protocol';
import { shellQuote } from '../../core/shell';
import { VM_WORKSPACE_PATH } from '../../core/vm';
import { send } from '../relay/flow';
import { WindowRelay, type RelayLimits } from '../relay/window-relay';
import { workspaceEnvironment } from './environment';
import { envScript, toBase64 } from '../vm-setup/script';
import { recordActivity } from './idle';
import { closeSockets, viewersOf } from './sockets';
import { loadMeta, type RoomState } from './state';
import { SETUP_ENV_KEY, Timer } from './storage-keys';
import { getTimer, setTimer } from './timers';

// One WindowRelay (relay/window-relay.ts) per window with viewers, kept in RoomState.relays. A relay
// outlives its last viewer by RELAY_GRACE_MS so a reconnect finds its PTY socket and screen.

const TERMINAL_SHELL = `cd ${shellQuote(VM_WORKSPACE_PATH)} 2>/dev/null; exec bash -l`;
/** After its last viewer leaves, a window's PTY socket and screen are kept this long for reconnects. */
const RELAY_GRACE_MS = 60_000;

function cancelGrace(s: RoomState, windowId: string) {
  const t = s.graceTimers.get(windowId);
  if (t) clearTimeout(t);
  s.graceTimers.delete(windowId);
}

/** The window's live relay, or a new one (not started: see WindowRelay.start). */
export function relayFor(s: RoomState, windowId: string, cols: number, rows: number): WindowRelay {
  cancelGrace(s, windowId);
  let relay = s.relays.get(windowId);
  if (relay && !relay.isClosed) return relay;
  relay = new WindowRelay(
    windowId,
    {
      activity: () => recordActivity(s),
      exited: (id, exitCode) => {
        const stopping = s.inFlight === 'stop' || s.inFlight === 'idle_stop';
        for (const ws of viewersOf(s, id)) send(ws, { type: 'exited', exitCode });
        // A shell that ends may be a VM that crashed: look at it now rather than at the next check.
        if (!stopping) s.ctx.waitUntil(watchSoon(s));
        dropRelay(
          s,
          id,
          stopping ? CloseCode.workspaceGone : CloseCode.shellExited,
          stopping ? 'workspace stopped' : 'shell exited',
        );
      },
      failed: (id, message) => {
        for (const ws of viewersOf(s, id)) send(ws, { type: 'error', code: 'relay_failed', message });
        s.ctx.waitUntil(watchSoon(s));
        dropRelay(s, id, CloseCode.relayFailed, 'terminal unavailable');
      },
    },
    cols,
    rows,
    relayLimits(s),
  );
  s.relays.set(windowId, relay);
  return relay;
}

const SUSPECT_MS = 10_000;

/** Runs an armed watch (the VM check) now, and soon again for a while (RoomState.suspectUntil). */
async function watchSoon(s: RoomState) {
  s.suspectUntil = Date.now() + SUSPECT_MS;
  if ((await getTimer(s.ctx.storage, Timer.watch)) !== undefined)
    await setTimer(s.ctx.storage, Timer.watch, Date.now());
}

/** Closes a window's viewers with `code` and its PTY socket. */
export function dropRelay(s: RoomState, windowId: string, code: number, reason: string) {
  const relay = s.relays.get(windowId);
  s.relays.delete(windowId);
  cancelGrace(s, windowId);
  closeSockets(s, viewersOf(s, windowId), code, reason);
  try {
    relay?.close();
  } catch (err) {
    console.error('closing a terminal relay failed:', err);
  }
}

export function closeAllTerminals(s: RoomState, code: number, reason: string) {
  for (const id of [...s.relays.keys()]) dropRelay(s, id, code, reason);
  closeSockets(s, [...s.sockets.keys()], code, reason);
}

/** A viewer left: the relay forgets it, and closes after the grace period if nobody came back. */
export function releaseViewer(s: RoomState, windowId: string, viewerId: string) {
  const relay = s.relays.get(windowId);
  relay?.detach(viewerId);
  if (relay && relay.viewerCount === 0 && !s.graceTimers.has(windowId)) {
    s.graceTimers.set(
      windowId,
      setTimeout(() => {
        s.graceTimers.delete(windowId);
        const r = s.relays.get(windowId);
        if (r && r.viewerCount === 0) {
          r.close();
          s.relays.delete(windowId);
        }
      }, RELAY_GRACE_MS),
    );
  }
}

/**
 * How a new window's shell starts. With secrets, they are written to a 0600 file the shell sources and
 * deletes before anything else runs: a PTY's only input is its URL, which must never hold a value.
 * A window that already has its shell on the VM is attached as it is (its environment is the one it
 * started with).
 */
async function shellCommand(s: RoomState, vmId: string, slug: string, userId: string | undefined) {
  // The repository's devcontainer env (room/setup.ts) is the base the secrets go over.
  const base = await s.ctx.storage.get<Record<string, string>>(SETUP_ENV_KEY);
  const env = await workspaceEnvironment(s, userId ?? null, base);
  if (Object.keys(env).length === 0) return TERMINAL_SHELL;
  const { sessions } = await s.deps.vm.listPtySessions(vmId);
  if (sessions.some((x) => x.slug === slug && x.state === 'running')) return TERMINAL_SHELL;
  const file = `/tmp/.cw-env-${crypto.randomUUID()}`;
  const wrote = await s.deps.vm.exec(vmId, {
    command: `umask 077 && cat > ${file}`,
    stdin: toBase64(envScript(env)),
    timeoutMs: 15_000,
  });
  if (wrote.statusCode !== 0) throw new Error('The shell environment could not be written to the VM.');
  return `f=${file}; . "$f"; rm -f "$f"; unset f; ${TERMINAL_SHELL}`;
}

/** Opens the window's PTY socket on the VM; the shell gets `userId`'s personal secrets (its creator's). */
export async function openPty(
  s: RoomState,
  slug: string,
  cols: number,
  rows: number,
  userId?: string,
  /** A session to attach to by id (the Setup window's: an exited one answers only to its id). */
  sessionId?: number,
): Promise<WebSocket> {
  let meta = await loadMeta(s);
  // Remembered before the VM existed: read it again.
  if (meta && !meta.vmId) meta = await loadMeta(s, true);
  if (!meta?.vmId) throw new Error('The workspace has no VM yet.');
  // Shells open in the clone, as a developer expects; the same `exec` works on Freestyle's VMs.
  const req =
    sessionId !== undefined
      ? s.deps.vm.ptyAttachRequest(meta.vmId, sessionId)
      : s.deps.vm.ptyRequest(meta.vmId, {
          slug,
          cols,
          rows,
          exec: await shellCommand(s, meta.vmId, slug, userId),
        });
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

/**
 * Tests may shrink the emulator's backlog bound (RELAY_PARSE_BACKLOG_BYTES) to exercise it; the bench's
 * probes may set the tail (RELAY_EMULATOR_TAIL_BYTES) and the parse slice (RELAY_PARSE_SLICE_BYTES).
 * Checked at start with the rest of the config (core/config.ts).
 */
function relayLimits(s: RoomState): RelayLimits {
  const { maxParseBacklogBytes: backlog, emulatorTailBytes, parseSliceBytes } = s.deps.config.relay;
  return {
    maxParseBacklogBytes: backlog,
    emulatorTailBytes: emulatorTailBytes ?? (backlog ? Math.max(backlog / 2, 16_384) : undefined),
    parseSliceBytes,
  };
}
