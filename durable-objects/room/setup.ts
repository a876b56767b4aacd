import type { WorkspaceSetup } from '../../core/api/setup';
import { ErrorCode } from '../../core/errors';
import { CloseCode } from '../../core/protocol';
import type { SetupPhase } from '../../core/setup-plan';
import { recordAudit } from '../../db/audit';
import {
  getWorkspace,
  updateStatusIf,
  updateWorkspace,
  type WorkspaceRow,
} from '../../db/queries/workspaces';
import type { Actor, RoomResult, TerminalWindow } from './contract';
import { emit } from './events';
import { notRunning, vmFailure } from './results';
import { loadMeta, type RoomState } from './state';
import { DEVCONTAINER_PORTS_KEY, SETUP_ENV_KEY, SETUP_RUN_KEY, Timer } from './storage-keys';
import { setTimer } from './timers';
import { listWindows, putWindow } from './windows';
import { forwardedPortsChanged } from './ports';
import { workspaceEnvironment } from './environment';
import { readDefinition } from '../vm-setup/definition';
import { SETUP_EXEC, writeSetupScript } from '../vm-setup/script';
import { pollDelay, sessionOutcome, startSession } from '../vm-setup/session';
import { dropRelay } from './relays';
import { eq } from 'drizzle-orm';
import { repositories } from '../../db/schema';
import type { Database } from '../../db/client';

// The repository's setup (docs/setup.md): a PTY session on the VM running a script made from the
// devcontainer.json (or the repository's setup command), shown in a terminal window named "Setup" like any
// other (same relay, same screen mirror), so every viewer watches it live. The room polls the session for
// its exit on a timer, kills it at its timeout, and records the outcome on the workspace row.

/** What the room remembers of the setup it is running. */
export interface SetupRun {
  windowId: string;
  sessionId: number;
  startedAt: number;
  timeoutMs: number;
  phase: SetupPhase;
  fromPrebuild: boolean;
  command: string;
  hash: string;
}

/** What the repository's settings say about setup. */
export interface SetupSettings {
  setupCommand: string | null;
  setupTimeoutMinutes: number;
  /** The workspace's creator: whose personal secrets its setup gets. */
  creatorId?: string | null;
}

/** The devcontainer env the room keeps for the workspace's commands (lowest precedence). */
export async function setupEnv(s: RoomState): Promise<Record<string, string>> {
  return (await s.ctx.storage.get<Record<string, string>>(SETUP_ENV_KEY)) ?? {};
}

/** The fields of the row a setup start writes. */
export interface SetupStart {
  setup: WorkspaceSetup;
  setupHash: string;
  /** "Running setup: <cmd>" while it runs. */
  running: boolean;
}

/**
 * Reads the setup definition from the clone and starts it in the Setup window. Without anything to
 * run it answers at once (`running: false`); a malformed devcontainer.json is reported, never fatal.
 */
export async function startSetup(
  s: RoomState,
  vmId: string,
  settings: SetupSettings,
  phase: SetupPhase,
  fromPrebuild: boolean,
  /** Whose personal secrets the setup gets: the workspace's creator. */
  userId: string | null,
  /** The VM booted from a prebuild with this setup hash: if the clone's is the same, only postStart runs. */
  prebuildHash: string | null = null,
): Promise<SetupStart> {
  const { dc, hash } = await readDefinition(s.deps.vm, vmId, settings.setupCommand);
  // A prebuild of another setup definition is only a head start: the whole setup runs again.
  if (prebuildHash !== null && prebuildHash === hash) {
    fromPrebuild = true;
    phase = 'start';
  }
  const secrets = await workspaceEnvironment(s, userId, {});
  const plan = await writeSetupScript(s.deps.vm, vmId, dc, settings.setupCommand, phase, secrets);
  await s.ctx.storage.put({
    [SETUP_ENV_KEY]: plan.env,
    [DEVCONTAINER_PORTS_KEY]: { forwardPorts: plan.forwardPorts, portLabels: plan.portLabels },
  });
  await forwardedPortsChanged(s);
  const problem = plan.problem ? { devcontainer: plan.problem } : {};
  if (!plan.script || !plan.command) {
    return { setup: { status: 'none', fromPrebuild, ...problem }, setupHash: hash, running: false };
  }
  const slug = `setup-${Date.now().toString(36)}`;
  const sessionId = await startSession(s.deps.vm, vmId, slug, SETUP_EXEC);
  const existing = (await listWindows(s)).find((w) => w.kind === 'setup');
  const win: TerminalWindow = {
    windowId: existing?.windowId ?? crypto.randomUUID(),
    name: 'Setup',
    slug,
    createdAt: existing?.createdAt ?? Date.now(),
    createdBy: 'system',
    kind: 'setup',
    sessionId,
  };
  // A re-run replaces the window's session: viewers of the old one start over on the new.
  if (existing) dropRelay(s, existing.windowId, CloseCode.restarted, 'setup restarted');
  await putWindow(s, win);
  const startedAt = Date.now();
  const run: SetupRun = {
    windowId: win.windowId,
    sessionId,
    startedAt,
    // Tests shorten it (SETUP_TIMEOUT_MS); the repository's setting otherwise.
    timeoutMs: s.deps.config.setupTimeoutMs ?? settings.setupTimeoutMinutes * 60_000,
    phase,
    fromPrebuild,
    command: plan.command,
    hash,
  };
  await s.ctx.storage.put(SETUP_RUN_KEY, run);
  await setTimer(s.ctx.storage, Timer.setup, startedAt + pollDelay(0));
  return {
    setup: {
      status: 'running',
      command: plan.command,
      windowId: win.windowId,
      startedAt: new Date(startedAt).toISOString(),
      fromPrebuild,
      ...problem,
    },
    setupHash: hash,
    running: true,
  };
}

export const runningMessage = (command: string) =>
  `Running setup: ${command.length > 900 ? `${command.slice(0, 900)}...` : command}`;

/** The outcome of a finished setup, for the room's reactions (prebuilds). */
export interface SetupFinished {
  workspace: WorkspaceRow;
  run: SetupRun;
  succeeded: boolean;
}

/** The setup timer: has the session exited, or run past its time? Answers the changed row when done. */
export async function pollSetup(s: RoomState): Promise<SetupFinished | undefined> {
  const run = await s.ctx.storage.get<SetupRun>(SETUP_RUN_KEY);
  if (!run) return undefined;
  const meta = await loadMeta(s, true);
  if (!meta?.vmId || meta.status === 'stopped' || meta.status === 'error') {
    await s.ctx.storage.delete(SETUP_RUN_KEY);
    return undefined;
  }
  // Paused mid-setup: its processes are frozen; look again once it runs.
  if (meta.status === 'paused') {
    await setTimer(s.ctx.storage, Timer.setup, Date.now() + 5_000);
    return undefined;
  }
  let session;
  try {
    session = await sessionOutcome(s.deps.vm, meta.vmId, run.sessionId);
  } catch (err) {
    console.error('setup poll failed:', err);
    await setTimer(s.ctx.storage, Timer.setup, Date.now() + 2_000);
    return undefined;
  }
  const elapsed = Date.now() - run.startedAt;
  // Gone (the VM host restarted): the setup did not finish.
  if (session.state === 'gone') return finishSetup(s, run, null, false);
  if (session.state === 'exited') return finishSetup(s, run, session.exitCode, false);
  if (elapsed > run.timeoutMs) {
    await s.deps.vm.killPtySession(meta.vmId, run.sessionId).catch(() => {});
    return finishSetup(s, run, null, true);
  }
  await setTimer(s.ctx.storage, Timer.setup, Date.now() + pollDelay(elapsed));
  return undefined;
}

async function finishSetup(
  s: RoomState,
  run: SetupRun,
  exitCode: number | null,
  timedOut: boolean,
): Promise<SetupFinished | undefined> {
  await s.ctx.storage.delete(SETUP_RUN_KEY);
  const succeeded = exitCode === 0;
  const ws = await s.deps.withDb(async (db) => {
    const row = await getWorkspace(db, s.workspaceId);
    if (!row) return undefined;
    const setup: WorkspaceSetup = {
      ...row.setup,
      status: succeeded ? 'succeeded' : 'failed',
      exitCode,
      ...(timedOut ? { timedOut } : {}),
      finishedAt: new Date().toISOString(),
    };
    let updated = await updateWorkspace(db, s.workspaceId, { setup, setupHash: run.hash });
    if (row.status === 'provisioning') {
      // Failed or not, the workspace runs: the banner offers the log and a re-run.
      updated =
        (await updateStatusIf(db, s.workspaceId, 'provisioning', 'running', { statusMessage: null })) ??
        updated;
    }
    await recordAudit(db, {
      organizationId: row.organizationId,
      workspaceId: row.id,
      actorType: 'system',
      action: succeeded ? 'setup_succeeded' : 'setup_failed',
      detail: { command: run.command, exitCode, timedOut, phase: run.phase, fromPrebuild: run.fromPrebuild },
    });
    return updated;
  });
  if (!ws) return undefined;
  const minutes = Math.round(run.timeoutMs / 60_000);
  await emit(s, {
    type: succeeded ? 'setup_succeeded' : 'setup_failed',
    message: succeeded
      ? 'Setup finished.'
      : timedOut
        ? `Setup timed out after ${minutes} min and was stopped.`
        : exitCode === null
          ? 'Setup did not finish: its terminal ended with the VM host.'
          : `Setup failed (exit ${exitCode}).`,
  });
  return { workspace: ws, run, succeeded };
}

/**
 * `POST /api/workspaces/:id/setup`: runs the whole setup again in the Setup window (a paused workspace
 * resumes first). One at a time: a setup that is running answers 409.
 */
export async function rerunSetup(
  s: RoomState,
  actor: Actor,
  settings: SetupSettings,
  ensureRunning: (
    s: RoomState,
    actor: Actor,
    fresh: boolean,
  ) => Promise<RoomResult<{ meta: { vmId: string | null } }>>,
): Promise<RoomResult> {
  const running = await ensureRunning(s, actor, true);
  if (!running.ok) return running;
  const vmId = running.meta.vmId;
  if (!vmId) return notRunning('provisioning');
  return s.lock.run(async () => {
    if (await s.ctx.storage.get(SETUP_RUN_KEY)) {
      return {
        ok: false,
        status: 409,
        code: ErrorCode.conflict,
        message: 'Setup is already running.',
      } as const;
    }
    let start: SetupStart;
    try {
      start = await startSetup(s, vmId, settings, 'create', false, settings.creatorId ?? null);
    } catch (err) {
      return vmFailure(err, 'run the setup');
    }
    const ws = await s.deps.withDb(async (db) => {
      const row = await updateWorkspace(db, s.workspaceId, {
        setup: start.setup,
        setupHash: start.setupHash,
      });
      if (row)
        await recordAudit(db, {
          organizationId: row.organizationId,
          workspaceId: row.id,
          actorType: actor.type,
          actorUserId: actor.userId,
          action: 'setup_rerun',
          detail: { command: start.setup.command ?? null },
        });
      return row;
    });
    if (!ws)
      return { ok: false, status: 404, code: ErrorCode.notFound, message: 'Workspace not found.' } as const;
    if (start.running)
      await emit(s, { type: 'setup_started', message: runningMessage(start.setup.command!) });
    return { ok: true, workspace: ws };
  });
}

/** The repository's setup settings; defaults when it is gone. */
export async function setupSettings(
  db: Database,
  repositoryId: string,
): Promise<SetupSettings & { prebuildsEnabled: boolean }> {
  const [repo] = await db
    .select({
      setupCommand: repositories.setupCommand,
      setupTimeoutMinutes: repositories.setupTimeoutMinutes,
      prebuildsEnabled: repositories.prebuildsEnabled,
    })
    .from(repositories)
    .where(eq(repositories.id, repositoryId))
    .limit(1);
  return repo ?? { setupCommand: null, setupTimeoutMinutes: 30, prebuildsEnabled: false };
}

/** A workspace started from stopped (or after its VM host restarted) runs postStartCommand again. */
export async function setupOnStart(s: RoomState, ws: WorkspaceRow): Promise<WorkspaceRow> {
  if (!ws.freestyleVmId || (await s.ctx.storage.get(SETUP_RUN_KEY))) return ws;
  try {
    const settings = await s.deps.withDb((db) => setupSettings(db, ws.repositoryId));
    const start = await startSetup(s, ws.freestyleVmId, settings, 'start', false, ws.creatorId);
    if (!start.running) return ws;
    const row = await s.deps.withDb((db) =>
      updateWorkspace(db, ws.id, { setup: start.setup, setupHash: start.setupHash }),
    );
    await emit(s, { type: 'setup_started', message: runningMessage(start.setup.command!) });
    return row ?? ws;
  } catch (err) {
    console.error('postStartCommand could not start:', err);
    return ws;
  }
}
