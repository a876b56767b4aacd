import { Show } from 'solid-js';
import { A } from '@solidjs/router';
import type { WorkspaceListItem } from '../../../core/api/workspaces';
import { StatusBadge } from '../components/StatusBadge';
import { Icon } from '../components/Icon';
import { RelativeTime } from '../components/RelativeTime';

export function WorkspaceRow(props: { workspace: WorkspaceListItem; orgSlug: string }) {
  const connected = () => props.workspace.connectedCount ?? 0;
  return (
    <li>
      <A
        href={`/o/${props.orgSlug}/workspaces/${props.workspace.id}`}
        class="list-item"
        data-testid="workspace-row"
        data-status={props.workspace.status}
      >
        <div class="ws-row">
          <div class="ws-row-main">
            <div class="list-item-title truncate">{props.workspace.name}</div>
            <div class="list-item-meta">
              <span class="row truncate" style={{ gap: '4px' }}>
                <Icon name="repo" size={12} />
                {props.workspace.repositoryName}
              </span>
              <span class="row truncate" style={{ gap: '4px' }}>
                <Icon name="branch" size={12} />
                {props.workspace.branch}
              </span>
              <Show when={props.workspace.creatorName}>
                <span class="truncate">by {props.workspace.creatorName}</span>
              </Show>
            </div>
          </div>
          <div class="ws-row-status">
            <StatusBadge status={props.workspace.status} />
          </div>
          <div class="ws-row-presence" title={`${connected()} connected`}>
            <Show when={connected() > 0} fallback={<span class="faint">—</span>}>
              <Icon name="users" size={14} />
              {connected()} connected
            </Show>
          </div>
          <div class="ws-row-time">
            <span class="mobile-only-inline">Active </span>
            <RelativeTime value={props.workspace.lastActiveAt} />
          </div>
        </div>
      </A>
    </li>
  );
}
