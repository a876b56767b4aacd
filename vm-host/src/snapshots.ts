import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { HostError, badRequest, notFound } from './errors';
import { readJson, sendEmpty, sendJson } from './http';
import type { Route } from './identity-routes';
import { toVmData } from './store';
import type { VmManager } from './vm-manager';

// Freestyle's snapshots, the subset the product uses (node_modules/freestyle/src/vms/snapshots.ts):
// `POST /v5/vms/{id}/snapshot` -> { snapshotId, sourceVmId, snapshot }, `POST /v5/vms { snapshotId }`,
// `GET /v5/snapshots`, `GET/DELETE /v5/snapshots/{id}`. Locally a snapshot is a copy of the VM's disk
// (copy-on-write where the filesystem allows: `cp --reflink=auto`); memory and processes are not kept,
// so a VM booted from one starts with its files and no processes (the product runs postStartCommand).

const run = promisify(execFile);

interface SnapshotRecord {
  id: string;
  sourceVmId: string | null;
  slug: string | null;
  displayName: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

const data = (r: SnapshotRecord) => ({ ...r, public: false, accountId: null, updatedAt: r.createdAt });

export class Snapshots {
  readonly dir: string;
  constructor(dataDir: string) {
    this.dir = join(dataDir, 'snapshots');
    mkdirSync(this.dir, { recursive: true });
  }

  private file = (id: string) => join(this.dir, id, 'snapshot.json');

  get(id: string): SnapshotRecord {
    if (!/^sn-[0-9a-f]{20}$/.test(id) || !existsSync(this.file(id))) throw notFound(`snapshot ${id}`);
    return JSON.parse(readFileSync(this.file(id), 'utf8')) as SnapshotRecord;
  }

  list(sourceVmId?: string | null): SnapshotRecord[] {
    return readdirSync(this.dir)
      .filter((id) => existsSync(this.file(id)))
      .map((id) => this.get(id))
      .filter((s) => !sourceVmId || s.sourceVmId === sourceVmId)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Copies the VM's disk; the VM keeps running (its files at this moment). */
  async take(manager: VmManager, vmId: string, body: Record<string, unknown>) {
    const vm = manager.get(vmId);
    if (vm.record.state !== 'running' && vm.record.state !== 'paused')
      throw new HostError(
        409,
        'INVALID_STATE',
        `cannot snapshot VM ${vm.record.id}: it is ${vm.record.state}`,
      );
    const id = `sn-${randomBytes(10).toString('hex')}`;
    const dir = join(this.dir, id);
    mkdirSync(dir, { recursive: true });
    try {
      await run('cp', [
        '-a',
        '--reflink=auto',
        join(manager.store.dir(vm.record.id), 'disk'),
        join(dir, 'disk'),
      ]);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw new HostError(500, 'SNAPSHOT_FAILED', `copying the disk failed: ${(err as Error).message}`);
    }
    const record: SnapshotRecord = {
      id,
      sourceVmId: vm.record.id,
      slug: typeof body.slug === 'string' ? body.slug : null,
      displayName: typeof body.displayName === 'string' ? body.displayName : null,
      createdAt: new Date().toISOString(),
      lastUsedAt: null,
    };
    writeFileSync(this.file(id), JSON.stringify(record, null, 2));
    return { snapshotId: id, sourceVmId: vm.record.id, snapshot: data(record) };
  }

  /** A new VM whose disk is the snapshot's. */
  async boot(manager: VmManager, body: Record<string, unknown>) {
    const snapshotId = body.snapshotId;
    if (typeof snapshotId !== 'string') throw badRequest('snapshotId must be a string');
    const record = this.get(snapshotId);
    const created = manager.create(body);
    const disk = join(manager.store.dir(created.id), 'disk');
    try {
      // The disk may be a mount point (a per-VM quota): copy into it rather than replace it.
      await run('cp', ['-a', '--reflink=auto', `${join(this.dir, snapshotId, 'disk')}/.`, disk]);
    } catch (err) {
      await manager.delete(created.id).catch(() => undefined);
      throw new HostError(
        500,
        'SNAPSHOT_RESTORE_FAILED',
        `restoring the disk failed: ${(err as Error).message}`,
      );
    }
    record.lastUsedAt = new Date().toISOString();
    writeFileSync(this.file(snapshotId), JSON.stringify(record, null, 2));
    return { ...toVmData(manager.get(created.id).record), snapshotId };
  }

  delete(id: string) {
    this.get(id);
    rmSync(join(this.dir, id), { recursive: true, force: true });
  }
}

export function snapshotRoutes(snapshots: Snapshots, manager: VmManager): Route[] {
  const p = (m: RegExpExecArray) => decodeURIComponent(m[1]!);
  return [
    [
      'POST',
      /^\/v5\/vms\/([^/]+)\/snapshot$/,
      async (m, req, res) => sendJson(res, 200, await snapshots.take(manager, p(m), await readJson(req))),
    ],
    // A create that names a snapshot boots from it; any other create is the plain one.
    [
      'POST',
      /^\/v5\/vms$/,
      async (_m, req, res) => {
        const body = await readJson(req);
        const vm =
          body.snapshotId !== undefined && body.snapshotId !== null
            ? await snapshots.boot(manager, body)
            : manager.create(body);
        sendJson(res, 200, { ...vm, firewallRules: [], tlsRules: [] });
      },
    ],
    [
      'GET',
      /^\/v5\/snapshots$/,
      async (_m, req, res) => {
        const q = new URL(req.url ?? '/', 'http://h').searchParams;
        const all = snapshots.list(q.get('sourceVmId')).map(data);
        sendJson(res, 200, { snapshots: all, totalCount: all.length });
      },
    ],
    [
      'GET',
      /^\/v5\/snapshots\/([^/]+)$/,
      async (m, _req, res) => sendJson(res, 200, data(snapshots.get(p(m)))),
    ],
    [
      'DELETE',
      /^\/v5\/snapshots\/([^/]+)$/,
      async (m, _req, res) => (snapshots.delete(p(m)), sendEmpty(res, 204)),
    ],
  ];
}
