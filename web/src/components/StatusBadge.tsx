import type { WorkspaceStatus } from '../../../core/workspace-state';

const LABEL: Record<WorkspaceStatus, string> = {
  provisioning: 'Provisioning',
  running: 'Running',
  paused: 'Paused',
  stopped: 'Stopped',
  error: 'Error',
};

export function StatusBadge(props: { status: WorkspaceStatus; label?: string }) {
  return (
    <span class={`badge badge-${props.status}`} data-status={props.status}>
      <span class="badge-dot" aria-hidden="true" />
      {props.label ?? LABEL[props.status] ?? props.status}
    </span>
  );
}
