import { spawn, type ChildProcess } from 'node:child_process';
import type { LocalVmStats } from '../../core/vm/types';
import type { SpawnSpec } from './sandbox';
import type { VmRecord } from './store';

// Why a stopped VM stopped, kept on its record so the product can tell a crash from a stop: `crash`
// when it was not asked to (every process died, or its host was killed and came back), `shutdown` when
// its host shut down cleanly while it ran. At most one is set; an explicit start or stop clears both.
// A VM's init (a sleeping process in its cgroups, as a real VM has one) is how a crash is noticed.

type Crash = NonNullable<VmRecord['crash']>;

/** The VM stopped without being asked to. */
export function recordCrash(record: VmRecord, reason: Crash['reason']) {
  record.crash = { reason, at: new Date().toISOString() };
  record.shutdown = null;
}

/** Its host shut down cleanly (at `at`) while the VM ran or was paused: stopped on purpose. */
export function recordHostShutdown(record: VmRecord, at: string) {
  record.crash = null;
  record.shutdown = { at };
}

/** Asked to start or stop: what stopped it before is over. Answers whether the record changed. */
export function clearStopReason(record: VmRecord): boolean {
  const had = !!(record.crash || record.shutdown);
  record.crash = null;
  record.shutdown = null;
  return had;
}

/** What VmData's `local` says of it. */
export const stopReport = (record: VmRecord): Pick<LocalVmStats, 'crash' | 'hostShutdown'> => ({
  crash: record.crash ?? null,
  hostShutdown: record.shutdown ?? null,
});

export const initAlive = (init: ChildProcess | undefined) =>
  !!init && init.exitCode === null && init.signalCode === null;

/**
 * Starts a VM's init from `spec` (a sandboxed `sleep infinity`). It is never OOM-killed (-1000), so
 * only a real crash ends it; `died` is told when it exits.
 */
export function startInit(spec: SpawnSpec, died: (init: ChildProcess) => void): ChildProcess {
  const child = spawn(
    '/bin/sh',
    ['-c', 'echo -1000 > /proc/self/oom_score_adj; exec "$@"', 'vm-init', spec.file, ...spec.args],
    {
      env: spec.env,
      cwd: spec.cwd,
      stdio: 'ignore',
      // Its own process group, as exec's commands: a signal to the VM host's group (Ctrl-C of
      // `npm start`: SIGTERM to the part's group) must reach the host, which stops its VMs cleanly,
      // not kill the init first and look like a crash. --die-with-parent still ends it with the host.
      detached: true,
    },
  );
  child.on('error', () => undefined);
  child.once('exit', () => died(child));
  return child;
}
