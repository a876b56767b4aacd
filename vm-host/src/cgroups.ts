import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// cgroup v1 (this machine is hybrid v1): one cgroup per VM under our own cgroup in each controller.
// Every sandbox process joins them before exec (see sandbox.ts), so children are counted too.

export type Controller = 'freezer' | 'memory' | 'pids' | 'cpuacct';
const CONTROLLERS: Controller[] = ['freezer', 'memory', 'pids', 'cpuacct'];

export type CgroupSupport = Record<Controller, boolean>;

export interface VmLimits {
  memoryBytes: number;
  maxPids: number;
}

function ownPath(controller: Controller): string | undefined {
  try {
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
      const [, ctrls, path] = line.split(':');
      if (ctrls?.split(',').includes(controller)) return path;
    }
  } catch {
    // No /proc/self/cgroup: no cgroups.
  }
  return undefined;
}

export class Cgroups {
  private readonly bases: Partial<Record<Controller, string>> = {};

  constructor(namespace = 'vm-host') {
    for (const c of CONTROLLERS) {
      const own = ownPath(c);
      const mount = `/sys/fs/cgroup/${c}`;
      if (own === undefined || !existsSync(join(mount, 'cgroup.procs'))) continue;
      const base = join(mount, own, namespace);
      try {
        mkdirSync(base, { recursive: true });
        this.bases[c] = base;
      } catch {
        // Read-only cgroupfs or no permission: this controller is unavailable.
      }
    }
  }

  get support(): CgroupSupport {
    return {
      freezer: !!this.bases.freezer,
      memory: !!this.bases.memory,
      pids: !!this.bases.pids,
      cpuacct: !!this.bases.cpuacct,
    };
  }

  forVm(id: string): VmCgroup {
    const dirs: Partial<Record<Controller, string>> = {};
    for (const c of CONTROLLERS) if (this.bases[c]) dirs[c] = join(this.bases[c]!, id);
    return new VmCgroup(dirs);
  }
}

const readNumber = (file: string): number | undefined => {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
};

/** What the kernel counts for a VM's cgroups; undefined where a controller is missing. */
export interface CgroupStats {
  memoryBytes?: number;
  memoryLimitBytes?: number;
  /** Processes the kernel's OOM killer ended in this cgroup (v1 `memory.oom_control`: `oom_kill`). */
  oomKills?: number;
  /** CPU time of every process the VM ever ran (v1 `cpuacct.usage`, ns), seconds. */
  cpuSeconds?: number;
}

const tryWrite = (file: string, value: string) => {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
};

export class VmCgroup {
  constructor(private readonly dirs: Partial<Record<Controller, string>>) {}

  /** Create the VM's cgroups (idempotent) and apply limits; drops a controller that fails. */
  ensure(limits: VmLimits) {
    for (const c of CONTROLLERS) {
      const dir = this.dirs[c];
      if (!dir) continue;
      try {
        mkdirSync(dir, { recursive: true });
      } catch {
        delete this.dirs[c];
      }
    }
    if (this.dirs.memory)
      tryWrite(join(this.dirs.memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    if (this.dirs.pids) tryWrite(join(this.dirs.pids, 'pids.max'), String(limits.maxPids));
  }

  /** The memory cgroup's path as the kernel names it in its log (`task_memcg=`), for OOM kills. */
  get memoryPath(): string | undefined {
    const dir = this.dirs.memory;
    return dir?.startsWith('/sys/fs/cgroup/memory') ? dir.slice('/sys/fs/cgroup/memory'.length) : undefined;
  }

  stats(): CgroupStats {
    const out: CgroupStats = {};
    const mem = this.dirs.memory;
    if (mem) {
      out.memoryBytes = readNumber(join(mem, 'memory.usage_in_bytes'));
      out.memoryLimitBytes = readNumber(join(mem, 'memory.limit_in_bytes'));
      try {
        const m = /^oom_kill (\d+)$/m.exec(readFileSync(join(mem, 'memory.oom_control'), 'utf8'));
        if (m) out.oomKills = Number(m[1]);
      } catch {
        // kernel without the counter (< 4.13)
      }
    }
    const cpu = this.dirs.cpuacct;
    if (cpu) {
      const ns = readNumber(join(cpu, 'cpuacct.usage'));
      if (ns !== undefined) out.cpuSeconds = ns / 1e9;
    }
    return out;
  }

  /** The `cgroup.procs` files a new process writes its pid into before it execs the sandbox. */
  procsFiles(): string[] {
    return Object.values(this.dirs).map((d) => join(d!, 'cgroup.procs'));
  }

  get hasAny() {
    return Object.keys(this.dirs).length > 0;
  }

  get canFreeze() {
    return !!this.dirs.freezer;
  }

  /** Every process of the VM, or undefined when no cgroup tracks them. */
  pids(): number[] | undefined {
    const dir = this.dirs.freezer ?? this.dirs.pids ?? this.dirs.memory;
    if (!dir) return undefined;
    try {
      return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  async freeze(): Promise<boolean> {
    const dir = this.dirs.freezer;
    if (!dir || !tryWrite(join(dir, 'freezer.state'), 'FROZEN')) return false;
    for (let i = 0; i < 200; i++) {
      if (readFileSync(join(dir, 'freezer.state'), 'utf8').trim() === 'FROZEN') return true;
      await new Promise((r) => setTimeout(r, 10));
    }
    return false;
  }

  thaw(): boolean {
    const dir = this.dirs.freezer;
    return !!dir && tryWrite(join(dir, 'freezer.state'), 'THAWED');
  }

  /** rmdir fails (EBUSY) while a killed task is still exiting, so retry briefly. */
  async remove() {
    for (const dir of Object.values(this.dirs)) {
      for (let i = 0; i < 50 && existsSync(dir!); i++) {
        try {
          rmdirSync(dir!);
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
  }
}
