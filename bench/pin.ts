import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { stackProcesses } from './rss';

function affinity(pid: number, cpus: string) {
  // -a: every thread of the process; children started later inherit it.
  execFileSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
}

/**
 * Gives the Worker's workerd the machine's first core to itself and puts every other process of the
 * stack on the others: wrangler's dev proxy, the local Neon stand-in, Postgres, the VM host and this
 * client. In production none of them shares the Worker's CPU (the database is Neon's, the client is
 * elsewhere, the dev proxy does not exist). Returns the undo, or null where it cannot be done (one
 * core, no `taskset`).
 */
export function pinWorker(): (() => void) | null {
  const cores = availableParallelism();
  if (cores < 2) return null;
  const all = `0-${cores - 1}`;
  const rest = cores === 2 ? '1' : `1-${cores - 1}`;
  const procs = stackProcesses({ splitWorkerd: true });
  const workers = procs.filter((p) => p.role === 'workerd');
  if (!workers.length) return null;
  try {
    for (const p of workers) affinity(p.pid, '0');
  } catch {
    // No taskset, or not allowed: the bench runs without this load.
    for (const p of workers) ignore(() => affinity(p.pid, all));
    return null;
  }
  // A short-lived process (a shell, git) may be gone by now: it has nothing to move.
  for (const p of procs) if (p.role !== 'workerd') ignore(() => affinity(p.pid, rest));
  return () => {
    for (const p of stackProcesses()) ignore(() => affinity(p.pid, all));
  };
}

function ignore(f: () => void) {
  try {
    f();
  } catch {
    // the process is gone
  }
}

/** Each core's busy and total clock ticks so far (/proc/stat), for a before/after diff. */
export function coreTicks(): { busy: number; total: number }[] {
  const out: { busy: number; total: number }[] = [];
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const t = m[2]!.trim().split(/\s+/).map(Number);
    const idle = (t[3] ?? 0) + (t[4] ?? 0);
    const total = t.slice(0, 8).reduce((a, b) => a + b, 0);
    out[Number(m[1])] = { busy: total - idle, total };
  }
  return out;
}

/** Each core's busy share between two `coreTicks`, in percent. */
export function coreBusy(before: ReturnType<typeof coreTicks>, after: ReturnType<typeof coreTicks>) {
  return after.map((a, i) => {
    const b = before[i] ?? { busy: 0, total: 0 };
    return Math.round((100 * (a.busy - b.busy)) / Math.max(1, a.total - b.total));
  });
}
