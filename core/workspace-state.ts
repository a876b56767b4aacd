// The workspace state machine as a pure function: the API, the room and the UI all ask it.
export const WORKSPACE_STATUSES = ['provisioning', 'running', 'paused', 'stopped', 'error'] as const;
export type WorkspaceStatus = (typeof WORKSPACE_STATUSES)[number];

export const WORKSPACE_ACTIONS = [
  'provisioned',
  'provision_failed',
  'pause',
  'idle_pause',
  'resume',
  'stop',
  'idle_stop',
  'start',
  'retry',
] as const;
export type WorkspaceAction = (typeof WORKSPACE_ACTIONS)[number];

// The plan's table, row for row. Anything not listed is an illegal transition (409).
const TABLE: Record<WorkspaceAction, { from: WorkspaceStatus; to: WorkspaceStatus }> = {
  provisioned: { from: 'provisioning', to: 'running' },
  provision_failed: { from: 'provisioning', to: 'error' },
  pause: { from: 'running', to: 'paused' },
  idle_pause: { from: 'running', to: 'paused' },
  resume: { from: 'paused', to: 'running' },
  stop: { from: 'paused', to: 'stopped' },
  idle_stop: { from: 'paused', to: 'stopped' },
  start: { from: 'stopped', to: 'running' },
  retry: { from: 'error', to: 'provisioning' },
};

export function transition(status: WorkspaceStatus, action: WorkspaceAction): WorkspaceStatus | null {
  const row = TABLE[action];
  return row.from === status ? row.to : null;
}

/** The status an action must start from: the `WHERE status = ...` of its conditional update. */
export function requiredStatus(action: WorkspaceAction): WorkspaceStatus {
  return TABLE[action].from;
}

/** Actions a user may take from a status (the UI shows these buttons). Delete is always allowed. */
export function userActions(status: WorkspaceStatus): WorkspaceAction[] {
  const userFacing: WorkspaceAction[] = ['pause', 'resume', 'stop', 'start', 'retry'];
  return userFacing.filter((a) => TABLE[a].from === status);
}
