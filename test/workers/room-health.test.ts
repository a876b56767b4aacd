import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { OrgServerMsg } from '../../core/protocol';
import type { WorkspaceRoom } from '../../durable-objects/workspace-room';
import { diskLevel, formatSize, healthAlerts } from '../../durable-objects/room/health';
import { Timer } from '../../durable-objects/room/storage-keys';
import type { VmData } from '../../core/vm';
import { call, dueNow, orgSocket, roomWithWorkspace, waitStatus, type TestUser } from './helpers';

// The room's health check on its alarm: an OOM kill, a disk past 90% and a full disk are told once
// each, on the organization socket and in the audit trail, with the VM's resource use; a VM that
// stopped without the room asking is a crash (`vm_crashed`) and Retry brings it back with its files.
// The VM host of this pool gives each VM 512 MiB of memory and a 256 MiB disk (global-setup.ts).

const bindings = env as unknown as Env;
const MiB = 1024 * 1024;

type EventMsg = Extract<OrgServerMsg, { type: 'event' }>;
type HealthMsg = Extract<OrgServerMsg, { type: 'health' }>;

/** Runs the room's health check now (its watch timer), deterministically. */
async function check(stub: DurableObjectStub<WorkspaceRoom>) {
  await runInDurableObject(stub, (_i: WorkspaceRoom, state) => dueNow(state, Timer.watch));
  await runDurableObjectAlarm(stub);
}

const exec = (user: TestUser, id: string, command: string) =>
  call(`/api/workspaces/${id}/exec`, { cookie: user.cookie, body: { command, timeoutMs: 60_000 } });

const eventsOf = (messages: OrgServerMsg[], type: string) =>
  messages.filter((m): m is EventMsg => m.type === 'event' && m.event.type === type);

describe('health alerts (pure)', () => {
  const vm = (local: Partial<NonNullable<VmData['local']>>): VmData =>
    ({
      id: 'v',
      state: 'running',
      resources: { cpu: 2, memory: 4096, storage: 10240 },
      metadata: {},
      createdAt: '',
      updatedAt: '',
      local: {
        memory: { usedBytes: 0, limitBytes: 4096 * MiB },
        oomKills: { count: 0, last: null },
        disk: { usedBytes: 0, quotaBytes: 10240 * MiB, freeBytes: 10240 * MiB, enforced: true },
        crash: null,
        ...local,
      },
    }) as VmData;

  it('words them as a person reads them', () => {
    const oom = healthAlerts(
      vm({ oomKills: { count: 1, last: { process: 'node', pid: 7, at: '' } } }),
      undefined,
    );
    expect(oom.events.map((e) => e.message)).toEqual(['Out of memory: node was killed (limit 4 GiB)']);
    const used = 9.2 * 1024 * MiB;
    const warn = healthAlerts(
      vm({
        disk: { usedBytes: used, quotaBytes: 10240 * MiB, freeBytes: 10240 * MiB - used, enforced: true },
      }),
      undefined,
    );
    expect(warn.events.map((e) => e.message)).toEqual(['Disk 92% full (9.2 of 10 GiB)']);
    expect(formatSize(256 * MiB)).toBe('256 MiB');
  });

  it('tells each once, and again only after it cleared', () => {
    const seen = { oomKills: 1, disk: 'warning' as const };
    expect(healthAlerts(vm({ oomKills: { count: 1, last: null } }), seen).events).toEqual([]);
    expect(diskLevel(86, 100, 14 * MiB, 'warning')).toBe('warning');
    expect(diskLevel(80, 100, 20 * MiB, 'warning')).toBe('ok');
    expect(diskLevel(99, 100, 0, 'ok')).toBe('full');
  });
});

describe("the room's health check", () => {
  it('names the process the OOM killer ended, with the limit, once; and reports memory in use', async () => {
    const { user, org, id, stub } = await roomWithWorkspace();
    const live = await orgSocket(user, org);
    await live.waitFor((m) => m.type === 'snapshot', 'snapshot');
    const r = await exec(user, id, "python3 -c 'x = bytearray(900 * 1024 * 1024)'");
    expect(r.json.exitCode).toBe(137);
    await check(stub);
    const oom = await live.waitFor<EventMsg>(
      (m) => m.type === 'event' && m.workspaceId === id && m.event.type === 'out_of_memory',
      'out_of_memory event',
    );
    expect(oom.event.message).toBe('Out of memory: python3 was killed (limit 512 MiB)');
    const health = await live.waitFor<HealthMsg>(
      (m) => m.type === 'health' && m.workspaceId === id,
      'health',
    );
    expect(health.health.memory?.limitBytes).toBe(512 * MiB);
    expect(health.health.cpu?.seconds).toBeGreaterThan(0);

    await check(stub);
    await new Promise((r) => setTimeout(r, 200));
    expect(eventsOf(live.messages, 'out_of_memory')).toHaveLength(1);
    const audit = await call(`/api/organizations/${org}/audit`, { cookie: user.cookie });
    expect(audit.json.events.find((e: any) => e.action === 'out_of_memory')?.detail).toMatchObject({
      process: 'python3',
      message: 'Out of memory: python3 was killed (limit 512 MiB)',
    });
    live.ws.close();
  });

  it('warns at 90% of the disk and says when it is full; writes in the VM fail with ENOSPC', async () => {
    const { user, org, id, stub } = await roomWithWorkspace();
    const live = await orgSocket(user, org);
    await live.waitFor((m) => m.type === 'snapshot', 'snapshot');
    expect((await exec(user, id, 'head -c 236M /dev/zero > /workspace/big')).json.exitCode).toBe(0);
    await check(stub);
    const warn = await live.waitFor<EventMsg>(
      (m) => m.type === 'event' && m.workspaceId === id && m.event.type === 'disk_warning',
      'disk_warning',
    );
    expect(warn.event.message).toMatch(/^Disk 9\d% full \(2\d\d\.\d of 256 MiB\)$/);

    const fill = await exec(user, id, 'dd if=/dev/zero of=/workspace/more bs=1M count=64');
    expect(fill.json.exitCode).not.toBe(0);
    expect(fill.json.stderr).toMatch(/No space left on device/);
    await check(stub);
    const full = await live.waitFor<EventMsg>(
      (m) => m.type === 'event' && m.workspaceId === id && m.event.type === 'disk_full',
      'disk_full',
    );
    expect(full.event.message).toBe('Disk full');
    const health = live.messages
      .filter((m): m is HealthMsg => m.type === 'health' && m.workspaceId === id)
      .at(-1)!;
    expect(health.health.disk?.quotaBytes).toBe(256 * MiB);
    expect(health.health.disk?.usedBytes).toBeGreaterThan(255 * MiB);
    await check(stub);
    await new Promise((r) => setTimeout(r, 200));
    expect(eventsOf(live.messages, 'disk_full')).toHaveLength(1);
    expect(eventsOf(live.messages, 'disk_warning')).toHaveLength(1);
    live.ws.close();
  });

  it('puts a workspace whose VM stopped unasked in error (vm_crashed); Retry brings it back with its files', async () => {
    const { user, org, id, stub, vmId } = await roomWithWorkspace();
    const live = await orgSocket(user, org);
    await live.waitFor((m) => m.type === 'snapshot', 'snapshot');
    expect((await exec(user, id, 'echo saved > /workspace/notes.txt')).json.exitCode).toBe(0);
    const stopped = await fetch(`${bindings.VM_API_URL}/v5/vms/${vmId}/stop`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bindings.FREESTYLE_API_KEY}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(stopped.status).toBe(200);
    await check(stub);
    const err = await live.waitFor<EventMsg>(
      (m) => m.type === 'event' && m.workspaceId === id && m.event.type === 'error',
      'error event',
    );
    expect(err.event.message).toMatch(/^The VM stopped unexpectedly .*Retry restarts it from its files/);
    const ws = (await call(`/api/workspaces/${id}`, { cookie: user.cookie })).json.workspace;
    expect(ws).toMatchObject({ status: 'error', statusCode: 'vm_crashed' });

    const retry = await call(`/api/workspaces/${id}/retry`, { cookie: user.cookie, method: 'POST' });
    expect(retry.status).toBe(200);
    const back = await waitStatus(user, id, 'running');
    expect(back.statusCode).toBeNull();
    expect((await exec(user, id, 'cat /workspace/notes.txt')).json.stdout).toBe('saved\n');
    live.ws.close();
  });
});
