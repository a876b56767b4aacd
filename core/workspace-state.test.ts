import { describe, expect, it } from 'vitest';
import { transition, userActions, WORKSPACE_ACTIONS, WORKSPACE_STATUSES } from './workspace-state';

describe('the workspace state machine (the plan table, row for row)', () => {
  it.each([
    ['provisioning', 'provisioned', 'running'],
    ['provisioning', 'provision_failed', 'error'],
    ['running', 'pause', 'paused'],
    ['running', 'idle_pause', 'paused'],
    ['paused', 'resume', 'running'],
    ['paused', 'stop', 'stopped'],
    ['paused', 'idle_stop', 'stopped'],
    ['stopped', 'start', 'running'],
    ['error', 'retry', 'provisioning'],
  ] as const)('%s --%s--> %s', (from, action, to) => {
    expect(transition(from, action)).toBe(to);
  });

  it('refuses every other pair', () => {
    let legal = 0;
    for (const s of WORKSPACE_STATUSES) for (const a of WORKSPACE_ACTIONS) if (transition(s, a)) legal++;
    expect(legal).toBe(9);
    expect(transition('running', 'stop')).toBeNull();
    expect(transition('error', 'start')).toBeNull();
  });

  it('offers the buttons a person can press in each state', () => {
    expect(userActions('running')).toEqual(['pause']);
    expect(userActions('paused')).toEqual(['resume', 'stop']);
    expect(userActions('stopped')).toEqual(['start']);
    expect(userActions('error')).toEqual(['retry']);
    expect(userActions('provisioning')).toEqual([]);
  });
});
