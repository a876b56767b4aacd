import { describe, expect, it } from 'vitest';
import { repairFor } from '../../durable-objects/room/reconcile';

describe("repairing a workspace's record against its VM", () => {
  // Before crash reporting, a stopped VM made the workspace `stopped`; a VM that stops without the
  // room asking has crashed, and a crash is an error with a way out (Retry, from its files).
  it('puts a running or paused workspace whose VM stopped on its own in error: vm_crashed, files kept', () => {
    for (const status of ['running', 'paused'] as const) {
      const r = repairFor(status, 'stopped');
      expect(r).toMatchObject({ kind: 'record', status: 'error', code: 'vm_crashed' });
      expect((r as { message: string }).message).toMatch(/Retry restarts it from its files/);
    }
    expect(
      (
        repairFor('running', 'stopped', { crash: { reason: 'processes_died', at: '' } }) as {
          message: string;
        }
      ).message,
    ).toMatch(/its processes died/);
    expect(
      (
        repairFor('running', 'stopped', { crash: { reason: 'host_restarted', at: '' } }) as {
          message: string;
        }
      ).message,
    ).toMatch(/its VM host restarted/);
  });

  it('counts a crashed VM that a request booted again as crashed', () => {
    expect(repairFor('running', 'running', { crash: { reason: 'processes_died', at: '' } })).toMatchObject({
      status: 'error',
      code: 'vm_crashed',
    });
  });

  it('stops, not errors, a running or paused workspace whose VM its host stopped on a clean shutdown', () => {
    const hostShutdown = { at: '2026-12-01T14:00:00.000Z' };
    for (const status of ['running', 'paused'] as const) {
      const r = repairFor(status, 'stopped', { crash: null, hostShutdown });
      expect(r).toMatchObject({ kind: 'record', status: 'stopped', code: 'vm_host_stopped' });
      expect((r as { message: string }).message).toMatch(
        /VM host shut down.*Files are kept: Start brings it back/,
      );
    }
    // A crash is a crash, whatever else the host says; a stopped workspace stays stopped.
    expect(
      repairFor('running', 'stopped', { crash: { reason: 'processes_died', at: '' }, hostShutdown }),
    ).toMatchObject({ status: 'error', code: 'vm_crashed' });
    expect(repairFor('stopped', 'stopped', { crash: null, hostShutdown })).toEqual({ kind: 'none' });
  });

  it('brings the VM in line where the record is right', () => {
    expect(repairFor('paused', 'running')).toEqual({ kind: 'vm', action: 'pause' });
    expect(repairFor('running', 'paused')).toEqual({ kind: 'vm', action: 'start' });
    expect(repairFor('stopped', 'running')).toEqual({ kind: 'vm', action: 'stop' });
    expect(repairFor('stopped', 'paused')).toEqual({ kind: 'vm', action: 'stop' });
  });

  it('puts a workspace whose VM is gone in error (vm_crashed), with a way out; leaves agreeing and moving states alone', () => {
    expect(repairFor('running', 'missing')).toMatchObject({
      kind: 'record',
      status: 'error',
      code: 'vm_crashed',
    });
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
