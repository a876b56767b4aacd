import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VmData, VmState } from '../../core/vm/types';
import type { VmDirs } from './sandbox';

/** What is persisted per VM in `<dataDir>/vms/<id>/vm.json` (never visible inside the VM). */
export interface VmRecord {
  id: string;
  slug: string | null;
  displayName: string | null;
  state: VmState;
  metadata: Record<string, string>;
  firewall: unknown;
  resources: { cpu: number; memory: number; storage: number };
  /** Why it last stopped without being asked to (absent in records older than crash reporting). */
  crash?: { reason: 'processes_died' | 'host_restarted'; at: string } | null;
  /** Its host shut down cleanly (SIGINT/SIGTERM) while it ran: stopped on purpose, not a crash. */
  shutdown?: { at: string } | null;
  createdAt: string;
  updatedAt: string;
}

export function toVmData(r: VmRecord): VmData {
  return {
    id: r.id,
    state: r.state,
    slug: r.slug,
    displayName: r.displayName,
    resources: r.resources,
    snapshotId: null,
    idleTimeoutSeconds: null,
    autoDeleteSeconds: null,
    automaticRestart: false,
    metadata: r.metadata,
    vpcs: [],
    networks: [],
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export class VmStore {
  readonly vmsDir: string;

  constructor(dataDir: string) {
    this.vmsDir = join(dataDir, 'vms');
    mkdirSync(this.vmsDir, { recursive: true });
  }

  dir(id: string) {
    return join(this.vmsDir, id);
  }

  /**
   * The VM's directories: only these are ever mounted into it. `passwd` is the VM's own /etc/passwd
   * (on its disk, like a real VM's); `run` is its /run, outside the disk (as a tmpfs is: emptied at
   * each boot, never in a snapshot).
   */
  disk(id: string): VmDirs {
    const d = join(this.dir(id), 'disk');
    return {
      home: join(d, 'root'),
      workspace: join(d, 'workspace'),
      tmp: join(d, 'tmp'),
      passwd: join(d, 'etc', 'passwd'),
      run: join(this.dir(id), 'run'),
    };
  }

  create(rec: VmRecord) {
    const disk = this.disk(rec.id);
    for (const d of [disk.home, disk.workspace, disk.tmp, disk.run])
      mkdirSync(d, { recursive: true, mode: 0o755 });
    this.save(rec);
  }

  save(rec: VmRecord) {
    const file = join(this.dir(rec.id), 'vm.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(rec, null, 2));
    renameSync(`${file}.tmp`, file);
  }

  loadAll(): VmRecord[] {
    const out: VmRecord[] = [];
    for (const id of readdirSync(this.vmsDir)) {
      const file = join(this.dir(id), 'vm.json');
      if (!existsSync(file)) continue;
      try {
        out.push(JSON.parse(readFileSync(file, 'utf8')) as VmRecord);
      } catch (e) {
        console.warn(`[vm-host] skipping unreadable ${file}: ${(e as Error).message}`);
      }
    }
    return out;
  }

  remove(id: string) {
    rmSync(this.dir(id), { recursive: true, force: true });
  }
}
