import { readFileSync, readdirSync } from 'node:fs';

/** Fields of /proc/<pid>/stat after the `(comm)` part, which may itself contain spaces. */
function statFields(pid: number): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The foreground process group of the terminal `pid` is attached to (host pid namespace). */
export function foregroundPgid(pid: number): number | undefined {
  const tpgid = Number(statFields(pid)?.[5]);
  return tpgid > 0 ? tpgid : undefined;
}

/** `roots` and every live descendant, found by walking ppid links in /proc. */
export function processTree(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const ppid = Number(statFields(pid)?.[1]);
    if (!ppid) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [...roots];
  const seen = new Set<number>();
  while (queue.length) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    for (const c of children.get(pid) ?? []) queue.push(c);
  }
  return out;
}

export function signalAll(pids: Iterable<number>, signal: NodeJS.Signals) {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
