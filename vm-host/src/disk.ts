import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
} from 'node:fs';
import { join } from 'node:path';

// A VM's disk quota, for real: its `disk/` directory is an ext4 filesystem in a sparse image file
// (`disk.img`), loop-mounted by the host, so a write past the quota fails with ENOSPC inside the VM
// and used space is one statfs. See vm-host/README.md ("Disk quota") for why this mechanism.

export type DiskQuotaMode = 'ext4-loop' | 'none';

export interface DiskUsage {
  usedBytes: number;
  quotaBytes: number;
  freeBytes: number;
  /** False when the quota is only reported, not enforced (no loop mounts here, or a failed migration). */
  enforced: boolean;
}

const MiB = 1024 * 1024;

function run(cmd: string, args: string[]): { ok: boolean; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, err: (r.stderr || r.error?.message || '').trim() };
}

/** Mount points (as the kernel spells them) of this mount namespace. */
function mountPoints(): Set<string> {
  const out = new Set<string>();
  try {
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const p = line.split(' ')[4];
      if (p) out.add(p.replace(/\\040/g, ' '));
    }
  } catch {
    // no /proc: nothing is mounted as far as we can tell
  }
  return out;
}

export const isMountPoint = (dir: string) => mountPoints().has(dir);

function makeImage(file: string, sizeMiB: number): { ok: boolean; err: string } {
  const fd = openSync(file, 'w');
  try {
    ftruncateSync(fd, sizeMiB * MiB); // sparse: costs nothing until written
  } finally {
    closeSync(fd);
  }
  // No reserved blocks (the quota is the user's), lazy init (a 16 GiB image is made in ~20 ms), a
  // journal scaled to the size (4-64 MiB) so a small quota is not mostly journal.
  const journal = Math.min(64, Math.max(4, Math.floor(sizeMiB / 256)));
  return run('mkfs.ext4', [
    '-q',
    '-F',
    '-m',
    '0',
    // 4 KiB blocks and an inode per 16 KiB whatever the size (a small image would get 1 KiB blocks
    // and four times the inode tables: 5% of a 256 MiB quota gone before the first write).
    '-b',
    '4096',
    '-T',
    'default',
    '-J',
    `size=${journal}`,
    '-E',
    'lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0',
    file,
  ]);
}

const mount = (img: string, dir: string) => run('mount', ['-o', 'loop,noatime', img, dir]);

/** Unmounts; lazily when something still holds it (a dying process), so the loop device is freed after. */
function unmount(dir: string) {
  if (!isMountPoint(dir)) return;
  if (!run('umount', [dir]).ok) run('umount', ['-l', dir]);
}

/** Whether loop-mounted images work here (root, loop devices, mkfs.ext4): tried once with a tiny image. */
export function detectDiskQuota(probeDir: string): DiskQuotaMode {
  const img = join(probeDir, '.quota-probe.img');
  const mnt = join(probeDir, '.quota-probe');
  try {
    mkdirSync(mnt, { recursive: true });
    if (!makeImage(img, 16).ok || !mount(img, mnt).ok) return 'none';
    unmount(mnt);
    return 'ext4-loop';
  } catch {
    return 'none';
  } finally {
    rmSync(img, { force: true });
    rmSync(mnt, { recursive: true, force: true });
  }
}

/** Bytes used under `dir` (the unenforced fallback only: a walk, so callers cache it). */
function duBytes(dir: string): number {
  const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8', timeout: 30_000 });
  return Number(r.stdout?.split('\t')[0]) || 0;
}

export class VmDisk {
  private enforced = false;
  private duCache?: { at: number; bytes: number };

  /** `vmDir` holds `disk/` (what the VM sees) and `disk.img` (its filesystem). */
  constructor(
    private readonly vmDir: string,
    private readonly quotaMiB: number,
    private readonly mode: DiskQuotaMode,
    private readonly log: (line: string) => void,
  ) {}

  get dir() {
    return join(this.vmDir, 'disk');
  }
  private get img() {
    return join(this.vmDir, 'disk.img');
  }

  /**
   * Makes `disk/` the mounted filesystem (idempotent: a mount left by a host that was killed is reused).
   * An old VM whose `disk/` is a plain directory is migrated: its files are copied into a new image.
   */
  mount(): void {
    const { dir, img } = this;
    mkdirSync(dir, { recursive: true });
    if (this.mode === 'none') return;
    if (isMountPoint(dir)) {
      this.enforced = true;
      return;
    }
    const old = `${dir}.old`;
    if (!existsSync(img)) {
      if (!this.migrate()) return;
    } else if (existsSync(old)) {
      // A migration finished its copy, then the host died: the image is whole, the old copy is not needed.
      rmSync(old, { recursive: true, force: true });
    }
    const r = mount(img, dir);
    if (!r.ok) return this.log(`[vm-host] disk of ${this.vmDir} not mounted (quota not enforced): ${r.err}`);
    this.enforced = true;
  }

  /** Copies a plain `disk/` (an old VM, or a new empty one) into a fresh image, then swaps it in. */
  private migrate(): boolean {
    const { dir, img } = this;
    const tmpImg = `${img}.tmp`;
    const stage = `${dir}.migrating`;
    unmount(stage);
    rmSync(tmpImg, { force: true });
    mkdirSync(stage, { recursive: true });
    const made = makeImage(tmpImg, this.quotaMiB);
    const mounted = made.ok && mount(tmpImg, stage);
    if (!made.ok || !mounted || !mounted.ok) {
      this.log(
        `[vm-host] no disk image for ${this.vmDir} (quota not enforced): ${made.err || (mounted && mounted.err)}`,
      );
      rmSync(tmpImg, { force: true });
      rmSync(stage, { recursive: true, force: true });
      return false;
    }
    // cp -a keeps owners, modes, links and times; a disk bigger than the quota fails here (ENOSPC).
    const copied = run('cp', ['-a', `${dir}/.`, `${stage}/`]);
    unmount(stage);
    rmSync(stage, { recursive: true, force: true });
    if (!copied.ok) {
      this.log(
        `[vm-host] could not move ${dir} into a ${this.quotaMiB} MiB image (quota not enforced): ${copied.err}`,
      );
      rmSync(tmpImg, { force: true });
      return false;
    }
    renameSync(tmpImg, img);
    renameSync(dir, `${dir}.old`);
    mkdirSync(dir);
    rmSync(`${dir}.old`, { recursive: true, force: true });
    return true;
  }

  unmount(): void {
    if (this.mode !== 'none') unmount(this.dir);
    this.enforced = false;
  }

  /** Used is what the VM can no longer write (quota minus free space), so a full disk reads 100%. */
  usage(): DiskUsage {
    const quotaBytes = this.quotaMiB * MiB;
    if (this.enforced) {
      try {
        const st = statfsSync(this.dir);
        const free = Number(st.bavail) * Number(st.bsize);
        return { usedBytes: Math.max(0, quotaBytes - free), quotaBytes, freeBytes: free, enforced: true };
      } catch {
        // fall through to the walk
      }
    }
    const now = Date.now();
    if (!this.duCache || now - this.duCache.at > 30_000) this.duCache = { at: now, bytes: duBytes(this.dir) };
    const usedBytes = this.duCache.bytes;
    return { usedBytes, quotaBytes, freeBytes: Math.max(0, quotaBytes - usedBytes), enforced: false };
  }
}
