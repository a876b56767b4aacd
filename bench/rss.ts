import { readFileSync, readdirSync } from 'node:fs';

interface Proc {
  pid: number;
  ppid: number;
  cmd: string;
  /** User + system CPU time, in clock ticks. */
  ticks: number;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({
        pid: Number(d),
        ppid: Number(f[1]),
        cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8'),
        ticks: Number(f[11]) + Number(f[12]),
      });
    } catch {
      // gone
    }
  }
  return out;
}

/** This process and everything under it. */
function mine(procs: Proc[]): Proc[] {
  const parent = new Map(procs.map((p) => [p.pid, p.ppid]));
  const under = (pid: number) => {
    for (let p = pid, i = 0; p > 1 && i < 20; p = parent.get(p) ?? 0, i++) if (p === process.pid) return true;
    return false;
  };
  return procs.filter((p) => under(p.pid));
}

/** The workerd processes under this process. */
export function workerdPids(): number[] {
  return mine(processes())
    .filter((p) => p.cmd.includes('workerd'))
    .map((p) => p.pid);
}

/** RSS (MB) of each workerd process under this process, by pid. */
export function workerdRssByPid(): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of mine(processes())) {
    if (!p.cmd.includes('workerd')) continue;
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
      if (m) out.set(p.pid, Number(m[1]) / 1024);
    } catch {
      // gone
    }
  }
  return out;
}

/** RSS (MB) of the workerd processes under this process. */
export function workerdRssMb(): number {
  return [...workerdRssByPid().values()].reduce((a, b) => a + b, 0);
}

/**
 * What each kind of process on the bench's side is: workerd, the viewer processes, the local Neon
 * stand-in (db-proxy), the VM host, Postgres, this one.
 */
function role(p: Proc, splitWorkerd: boolean): string {
  if (p.pid === process.pid) return 'bench';
  // wrangler dev's own proxy in front of the Worker is a workerd of its own, without an inspector.
  if (p.cmd.includes('workerd'))
    return splitWorkerd && !p.cmd.includes('--inspector-addr') ? 'workerd (dev proxy)' : 'workerd';
  if (p.cmd.includes('viewers.ts')) return 'viewers';
  if (p.cmd.includes('pg-ws-proxy')) return 'db-proxy';
  if (p.cmd.includes('vm-host/')) return 'vm-host';
  if (p.cmd.includes('postgres')) return 'postgres';
  return 'other (shells, wrangler)';
}

/** The processes under this one (this one too), each with its role (see `role`). */
export function stackProcesses(opts: { splitWorkerd?: boolean } = {}): { pid: number; role: string }[] {
  return mine(processes()).map((p) => ({ pid: p.pid, role: role(p, !!opts.splitWorkerd) }));
}

/** CPU seconds used so far, per role, by this process and its descendants (for a before/after diff). */
export function cpuByRole(opts: { splitWorkerd?: boolean } = {}): Record<string, number> {
  const out: Record<string, number> = {};
  const hz = 100;
  const all = processes();
  for (const p of mine(all)) {
    const r = role(p, !!opts.splitWorkerd);
    out[r] = (out[r] ?? 0) + p.ticks / hz;
  }
  return out;
}

export function cpuDiff(before: Record<string, number>, after: Record<string, number>) {
  const out: Record<string, number> = {};
  for (const k of Object.keys(after)) out[k] = Math.round(((after[k] ?? 0) - (before[k] ?? 0)) * 100) / 100;
  return out;
}

/** workerd's resident memory by mapping kind (MB): the brk heap, anonymous mappings, the rest. */
export function workerdMappingsMb(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of mine(processes())) {
    if (!p.cmd.includes('workerd')) continue;
    let kind = 'other';
    let text = '';
    try {
      text = readFileSync(`/proc/${p.pid}/smaps`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) {
        const name = head[1]!.trim();
        kind = name === '[heap]' ? 'heap' : name === '' ? 'anon' : name.startsWith('/') ? 'file' : name;
        continue;
      }
      const m = /^Rss:\s+(\d+) kB/.exec(line);
      if (m) out[kind] = (out[kind] ?? 0) + Number(m[1]) / 1024;
    }
  }
  for (const k of Object.keys(out)) out[k] = Math.round(out[k]!);
  return out;
}
