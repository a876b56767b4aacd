import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import type { ListVmsResult, LocalVmStats, VmData, VmState } from '../../core/vm/types';
import { Cgroups, type VmCgroup } from './cgroups';
import {
  clearStopReason,
  initAlive,
  recordCrash,
  recordHostShutdown,
  startInit,
  stopReport,
} from './crashes';
import { VmDisk, type DiskQuotaMode } from './disk';
import { HostError, badRequest, notFound } from './errors';
import { VmNetwork, type NetworkMode } from './netns';
import { OomLog } from './oom-log';
import { listeningPorts, type ListeningPort } from './ports';
import { processTree, signalAll } from './procs';
import { PtySessions } from './pty-session';
import { sandboxSpawn, type Isolation, type SpawnSpec } from './sandbox';
import { VmStore, toVmData, type VmRecord } from './store';

export interface VmManagerOptions {
  dataDir: string;
  readonlyPaths: string[];
  isolation: Isolation;
  /** `host` when slirp4netns (or bubblewrap) is missing: VMs then share the host's network. */
  network: NetworkMode;
  log?: (line: string) => void;
  /** Per-VM memory limit (cgroup v1), MiB. */
  memoryMiB?: number;
  /** Per-VM process limit (cgroup v1 pids). */
  maxPids?: number;
  /** Per-VM disk quota of new VMs, MiB (default 16384, Freestyle's smallest size). */
  diskMiB?: number;
  /** How quotas are enforced: an ext4 image per VM, loop-mounted, or not at all (disk.ts). */
  diskQuota?: DiskQuotaMode;
}

/** One VM at run time: its record, cgroup, live root processes and PTY sessions. */
export interface Vm {
  record: VmRecord;
  cgroup: VmCgroup;
  /** Root pids of exec commands and PTYs (the sandbox's outer process). */
  roots: Set<number>;
  sessions: PtySessions;
  /** Its own network namespace while it runs (or the host's network). */
  network: VmNetwork;
  /** Serialises lifecycle changes (pause/start/stop/delete) of this VM. */
  lock: Promise<unknown>;
  /** Its filesystem, with the quota (disk.ts). */
  disk: VmDisk;
  /**
   * A sleeping process in the VM's cgroups while it runs, as a real VM has an init: when it dies
   * without a stop (every process of the VM was killed), the VM has crashed and is marked stopped.
   */
  init?: ChildProcess;
}

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const now = () => new Date().toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class VmManager {
  readonly store: VmStore;
  readonly cgroups = new Cgroups();
  private readonly vms = new Map<string, Vm>();
  private readonly oomLog = new OomLog();
  private closing = false;

  constructor(readonly options: VmManagerOptions) {
    this.store = new VmStore(options.dataDir);
    for (const record of this.store.loadAll()) {
      const vm = this.attach(record);
      // Processes do not survive a host restart, so a VM that was running or paused comes back stopped
      // (disk kept, like a rebooted VM). Leftovers in its cgroup (no-bwrap mode) are killed. A clean
      // shutdown recorded its VMs stopped already (shutdown()): one still running here was killed.
      if (record.state !== 'stopped') {
        signalAll(vm.cgroup.pids() ?? [], 'SIGKILL');
        vm.cgroup.thaw();
        recordCrash(record, 'host_restarted');
        this.setState(vm, 'stopped');
      }
    }
  }

  private attach(record: VmRecord): Vm {
    const cgroup = this.cgroups.forVm(record.id);
    cgroup.ensure({
      memoryBytes: (this.options.memoryMiB ?? record.resources.memory) * 1024 * 1024,
      maxPids: this.options.maxPids ?? 4096,
    });
    const log = this.options.log ?? (() => undefined);
    const network = new VmNetwork(this.options.network, log);
    const disk = new VmDisk(
      this.store.dir(record.id),
      record.resources.storage,
      this.options.diskQuota ?? 'none',
      log,
    );
    disk.mount();
    const vm: Vm = {
      record,
      cgroup,
      roots: new Set(),
      sessions: undefined!,
      network,
      lock: Promise.resolve(),
      disk,
    };
    vm.sessions = new PtySessions({ spawnSpec: (argv) => this.spawnSpec(vm, argv), roots: vm.roots });
    this.vms.set(record.id, vm);
    return vm;
  }

  create(body: Record<string, unknown>): VmData {
    const fw = body.firewall as { rules?: unknown } | undefined;
    if (!fw || typeof fw !== 'object' || !Array.isArray(fw.rules)) {
      throw badRequest('firewall is required: an object with a `rules` array (`{ rules: [] }` for none)');
    }
    const slug = typeof body.slug === 'string' && body.slug ? body.slug : null;
    if (slug !== null) {
      if (!SLUG.test(slug) || slug.length > 63) throw badRequest('slug must be 1-63 chars of [a-z0-9-]');
      if (this.find(slug)) throw new HostError(409, 'SLUG_TAKEN', `slug ${slug} is already in use`);
    }
    const metadata = (body.metadata && typeof body.metadata === 'object' ? body.metadata : {}) as Record<
      string,
      string
    >;
    const t = now();
    const record: VmRecord = {
      id: randomBytes(10).toString('hex'),
      slug,
      displayName: typeof body.displayName === 'string' ? body.displayName : null,
      state: 'running',
      metadata,
      firewall: fw,
      resources: { cpu: 2, memory: this.options.memoryMiB ?? 4096, storage: this.options.diskMiB ?? 16384 },
      createdAt: t,
      updatedAt: t,
    };
    this.store.create(record);
    const vm = this.attach(record);
    this.boot(vm);
    return this.data(vm);
  }

  /** VmData with what only the local host knows: CPU time (Freestyle's field too) and `local`. */
  data(vm: Vm): VmData {
    const cg = vm.cgroup.stats();
    const memPath = vm.cgroup.memoryPath;
    const oomCount = cg.oomKills;
    const last = oomCount && memPath ? this.oomLog.lastKill(memPath) : undefined;
    const memoryLimit = Math.min(cg.memoryLimitBytes ?? Infinity, vm.record.resources.memory * 1024 * 1024);
    const local: LocalVmStats = {
      memory: cg.memoryBytes === undefined ? null : { usedBytes: cg.memoryBytes, limitBytes: memoryLimit },
      oomKills: oomCount === undefined ? null : { count: oomCount, last: last ?? null },
      disk: vm.disk.usage(),
      ...stopReport(vm.record),
    };
    return { ...toVmData(vm.record), cpuTimeSeconds: cg.cpuSeconds ?? null, local };
  }

  /** Starts the VM's init (idempotent): when it dies without a stop, the VM has crashed. */
  private boot(vm: Vm) {
    if (initAlive(vm.init)) return;
    // /run is a tmpfs on a real VM: a boot starts it empty (SSH grants' environment files live there).
    const { run } = this.store.disk(vm.record.id);
    rmSync(run, { recursive: true, force: true });
    mkdirSync(run, { recursive: true, mode: 0o755 });
    const spec = sandboxSpawn({
      isolation: this.options.isolation,
      dirs: this.store.disk(vm.record.id),
      readonlyPaths: [],
      cgroupProcs: vm.cgroup.procsFiles(),
      argv: ['sleep', 'infinity'],
    });
    vm.init = startInit(spec, (child) => {
      if (vm.init !== child) return; // stopped on purpose: killAll let go of it first
      vm.init = undefined;
      if (this.closing || !this.vms.has(vm.record.id)) return;
      void this.serial(vm, async () => {
        if (vm.record.state === 'stopped' || this.closing) return;
        this.options.log?.(`[vm-host] VM ${vm.record.id} crashed: its processes died`);
        await this.killAll(vm);
        recordCrash(vm.record, 'processes_died');
        this.setState(vm, 'stopped');
      });
    });
  }

  private find(idOrSlug: string): Vm | undefined {
    const byId = this.vms.get(idOrSlug);
    if (byId) return byId;
    for (const vm of this.vms.values()) if (vm.record.slug === idOrSlug) return vm;
    return undefined;
  }

  get(idOrSlug: string): Vm {
    const vm = this.find(idOrSlug);
    if (!vm) throw notFound(`VM ${idOrSlug}`);
    return vm;
  }

  list(filter: { state?: string | null; slug?: string | null }): ListVmsResult {
    const all = [...this.vms.values()].map((v) => this.data(v));
    const vms = all.filter(
      (v) => (!filter.state || v.state === filter.state) && (!filter.slug || v.slug === filter.slug),
    );
    const count = (s: VmState) => all.filter((v) => v.state === s).length;
    return {
      vms,
      totalCount: all.length,
      runningCount: count('running'),
      startingCount: count('starting'),
      pausingCount: count('pausing'),
      pausedCount: count('paused'),
      stoppedCount: count('stopped'),
    };
  }

  private setState(vm: Vm, state: VmState) {
    vm.record.state = state;
    vm.record.updatedAt = now();
    this.store.save(vm.record);
  }

  private serial<T>(vm: Vm, fn: () => Promise<T> | T): Promise<T> {
    const run = vm.lock.then(fn, fn);
    vm.lock = run.catch(() => undefined);
    return run;
  }

  /** Every live process of the VM: its cgroup when there is one, plus a /proc walk from the roots. */
  pidsOf(vm: Vm): number[] {
    const set = new Set(processTree([...vm.roots]));
    for (const pid of vm.cgroup.pids() ?? []) set.add(pid);
    return [...set];
  }

  /** TCP ports listening in the VM, read from its own network namespace. */
  ports(idOrSlug: string): ListeningPort[] {
    const vm = this.get(idOrSlug);
    const pid = vm.network.pid;
    if (vm.network.mode !== 'host' && pid === undefined) return [];
    return listeningPorts(pid, this.pidsOf(vm));
  }

  /** Freeze every process (cgroup freezer, else SIGSTOP each). New processes are refused while paused. */
  pause(idOrSlug: string): Promise<VmData> {
    const vm = this.get(idOrSlug);
    return this.serial(vm, async () => {
      if (vm.record.state === 'paused') return this.data(vm);
      if (vm.record.state !== 'running') throw this.stateError(vm, 'pause');
      this.setState(vm, 'pausing');
      if (!(await vm.cgroup.freeze())) signalAll(this.pidsOf(vm), 'SIGSTOP');
      this.setState(vm, 'paused');
      return this.data(vm);
    });
  }

  /** Thaw a paused VM, or boot a stopped one (nothing to restore: its disk is its state). */
  start(idOrSlug: string): Promise<VmData> {
    const vm = this.get(idOrSlug);
    return this.serial(vm, () => this.startNow(vm, true));
  }

  /**
   * `asked`: an explicit start, which clears a crash report. A request that boots a crashed VM on its
   * own (exec, PTY) keeps it, so the product still learns that the VM crashed.
   */
  private startNow(vm: Vm, asked = false): VmData {
    if (asked && clearStopReason(vm.record)) this.store.save(vm.record);
    if (vm.record.state === 'paused' || vm.record.state === 'pausing') {
      if (!vm.cgroup.thaw() || !vm.cgroup.canFreeze) signalAll(this.pidsOf(vm), 'SIGCONT');
    }
    if (vm.record.state === 'stopped') this.boot(vm);
    if (vm.record.state !== 'running') this.setState(vm, 'running');
    return this.data(vm);
  }

  /** Local extension (Freestyle v5 has no stop): end every process, keep the files. */
  stop(idOrSlug: string): Promise<VmData> {
    const vm = this.get(idOrSlug);
    return this.serial(vm, async () => {
      await this.killAll(vm);
      const cleared = clearStopReason(vm.record); // asked to: not a crash
      if (vm.record.state !== 'stopped') this.setState(vm, 'stopped');
      else if (cleared) this.store.save(vm.record);
      return this.data(vm);
    });
  }

  delete(idOrSlug: string): Promise<void> {
    const vm = this.get(idOrSlug);
    return this.serial(vm, async () => {
      await this.killAll(vm);
      await vm.cgroup.remove();
      vm.disk.unmount();
      this.vms.delete(vm.record.id);
      this.store.remove(vm.record.id);
    });
  }

  private async killAll(vm: Vm) {
    const init = vm.init;
    vm.init = undefined; // its exit is expected now, not a crash
    init?.kill('SIGKILL');
    vm.sessions.closeAll();
    for (let i = 0; i < 50; i++) {
      const pids = this.pidsOf(vm);
      if (pids.length === 0) break;
      signalAll(pids, 'SIGKILL');
      // Frozen or stopped tasks only die once they run again.
      vm.cgroup.thaw();
      signalAll(pids, 'SIGCONT');
      await sleep(20);
    }
    // A VM stopped while paused has an empty but still frozen cgroup: new processes would hang in it.
    vm.cgroup.thaw();
    vm.roots.clear();
    vm.network.down();
  }

  /** Exec and PTY need a running VM: a paused one is refused (the product resumes first), a stopped one boots. */
  async ensureRunning(vm: Vm): Promise<void> {
    await vm.lock;
    const state = vm.record.state;
    if (state === 'stopped') await this.serial(vm, () => this.startNow(vm));
    else if (state !== 'running')
      throw new HostError(409, 'VM_PAUSED', `VM ${vm.record.id} is ${state}; start it first`);
    await vm.network.up();
  }

  private stateError(vm: Vm, action: string) {
    return new HostError(
      409,
      'INVALID_STATE',
      `cannot ${action} VM ${vm.record.id}: it is ${vm.record.state}`,
    );
  }

  spawnSpec(vm: Vm, argv: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): SpawnSpec {
    return sandboxSpawn({
      isolation: this.options.isolation,
      dirs: this.store.disk(vm.record.id),
      readonlyPaths: this.options.readonlyPaths,
      cgroupProcs: vm.cgroup.procsFiles(),
      enterNetwork: vm.network.enter(),
      argv,
      env: opts.env,
      cwd: opts.cwd,
    });
  }

  /**
   * A clean shutdown (SIGINT/SIGTERM, close()): stop every process of every VM and record each VM that
   * ran or was paused as stopped by its host's shutdown, so it reads `stopped` with `hostShutdown`
   * (not a crash) until it is started again. A host that is killed records nothing: its VMs come back
   * as crashed (`host_restarted`, in the constructor).
   */
  async shutdown() {
    this.closing = true;
    const at = now();
    for (const vm of this.vms.values()) {
      vm.init?.kill('SIGKILL');
      vm.sessions.closeAll();
      const pids = this.pidsOf(vm);
      signalAll(pids, 'SIGKILL');
      vm.cgroup.thaw();
      signalAll(pids, 'SIGCONT');
      vm.network.down();
      if (vm.record.state !== 'stopped') {
        recordHostShutdown(vm.record, at);
        this.setState(vm, 'stopped');
      }
    }
    // Let the killed processes leave the filesystems, then free the loop devices.
    await sleep(50);
    for (const vm of this.vms.values()) vm.disk.unmount();
    this.oomLog.close();
  }

  get count() {
    return this.vms.size;
  }
}
