import { A } from '@solidjs/router';
import type { Workspace } from '../../../core/api/workspaces';
import type { LifecycleAction } from '../api/workspaces';
import { StatusBadge } from '../components/StatusBadge';
import { Icon } from '../components/Icon';
import { PresenceAvatars, type PresentUser } from './PresenceAvatars';
import { WorkspaceActions } from './WorkspaceActions';
import { HealthMeters } from './HealthMeters';
import type { VmHealth } from '../../../core/protocol';

export function WorkspaceHeader(props: {
  workspace: Workspace;
  repositoryName?: string;
  orgSlug: string;
  users: PresentUser[];
  busy: LifecycleAction | 'delete' | null;
  statusLabel?: string;
  onAction: (action: LifecycleAction) => Promise<unknown>;
  onDelete: () => Promise<unknown>;
  /** The VM's resource use, live from the room; null hides the meters. */
  health?: VmHealth | null;
}) {
  return (
    <header class="ws-header">
      <A href={`/o/${props.orgSlug}/workspaces`} class="icon-btn ws-back" aria-label="All workspaces">
        <Icon name="chevronLeft" />
      </A>
      <div class="ws-title">
        <div class="ws-title-row">
          <h1 class="truncate" data-testid="workspace-name">
            {props.workspace.name}
          </h1>
          <StatusBadge status={props.workspace.status} label={props.statusLabel} />
        </div>
        <div class="list-item-meta">
          <span class="row truncate" style={{ gap: '4px' }}>
            <Icon name="repo" size={12} />
            {props.repositoryName ?? 'repository'}
          </span>
          <span class="row truncate" style={{ gap: '4px' }}>
            <Icon name="branch" size={12} />
            <span class="mono">{props.workspace.branch}</span>
          </span>
          {props.workspace.lastCommitSha && (
            <span class="mono faint">{props.workspace.lastCommitSha.slice(0, 7)}</span>
          )}
        </div>
        <HealthMeters health={props.health ?? null} placement="inline" />
      </div>
      <PresenceAvatars users={props.users} />
      <HealthMeters health={props.health ?? null} placement="row" />
      <WorkspaceActions
        workspace={props.workspace}
        busy={props.busy}
        onAction={props.onAction}
        onDelete={props.onDelete}
      />
    </header>
  );
}
