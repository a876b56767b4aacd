import { describe, expect, it } from 'vitest';
import { repairFor } from '../../durable-objects/room/reconcile';

describe("repairing a workspace's record against its VM", () => {
  it('records a running or paused workspace whose VM stopped as stopped', () => {
    expect(repairFor('running', 'stopped')).toMatchObject({ kind: 'record', status: 'stopped' });
    expect(repairFor('paused', 'stopped')).toMatchObject({ kind: 'record', status: 'stopped' });
  });

  it('brings the VM in line where the record is right', () => {
    expect(repairFor('paused', 'running')).toEqual({ kind: 'vm', action: 'pause' });
    expect(repairFor('running', 'paused')).toEqual({ kind: 'vm', action: 'start' });
    expect(repairFor('stopped', 'running')).toEqual({ kind: 'vm', action: 'stop' });
    expect(repairFor('stopped', 'paused')).toEqual({ kind: 'vm', action: 'stop' });
  });

  it('puts a workspace whose VM is gone in error, with a way out; leaves agreeing and moving states alone', () => {
    expect(repairFor('running', 'missing')).toMatchObject({ kind: 'record', status: 'error' });
    expect((repairFor('paused', 'missing') as { message: string }).message).toMatch(/Retry/);
    for (const [status, vm] of [
      ['running', 'running'],
      ['paused', 'paused'],
      ['stopped', 'stopped'],
      ['running', 'starting'],
      ['paused', 'pausing'],
      ['provisioning', 'stopped'],
      ['error', 'running'],
    ] as const) {
      expect(repairFor(status, vm)).toEqual({ kind: 'none' });
    }
  });
});
