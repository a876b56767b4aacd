import { createSignal, For, Show } from 'solid-js';
import { userActions } from '../../../core/workspace-state';
import type { Workspace } from '../../../core/api/workspaces';
import type { LifecycleAction } from '../api/workspaces';
import { Button } from '../components/Button';
import { Icon, type IconName } from '../components/Icon';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ConnectDialog } from './ConnectDialog';
import { useCan } from '../state/org';
import { useAppState } from '../state/session';
import { workspaceManageAction } from '../../../core/policy';

const META: Record<LifecycleAction, { label: string; icon: IconName; confirm?: string }> = {
  pause: { label: 'Pause', icon: 'pause' },
  resume: { label: 'Resume', icon: 'play' },
  stop: {
    label: 'Stop',
    icon: 'stop',
    confirm: 'Stopping ends every process in the workspace, including shells and servers. Files are kept.',
  },
  start: { label: 'Start', icon: 'play' },
  retry: { label: 'Retry', icon: 'refresh' },
};

/** The lifecycle buttons the state machine allows from the current status, plus Delete. */
export function WorkspaceActions(props: {
  workspace: Workspace;
  busy: LifecycleAction | 'delete' | null;
  onAction: (action: LifecycleAction) => Promise<unknown>;
  onDelete: () => Promise<unknown>;
}) {
  const [confirming, setConfirming] = createSignal<LifecycleAction | 'delete' | null>(null);
  const [connecting, setConnecting] = createSignal(false);
  const connectable = () => props.workspace.status === 'running' || props.workspace.status === 'paused';
  const can = useCan();
  const app = useAppState();
  // Stop and delete of another member's workspace are for owners and admins (core/policy.ts).
  const mayManage = () => can(workspaceManageAction(props.workspace.creatorId, app.session()?.user.id ?? ''));
  // Retry lives in the error banner, next to the message it answers.
  const actions = () =>
    (userActions(props.workspace.status) as LifecycleAction[]).filter(
      (a) => a !== 'retry' && (a !== 'stop' || mayManage()),
    );
  const run = (a: LifecycleAction) =>
    META[a].confirm ? setConfirming(a) : void props.onAction(a).catch(() => undefined);
  return (
    <div class="ws-actions">
      <Show when={connectable()}>
        <Button
          size="sm"
          variant="secondary"
          icon={<Icon name="terminal" size={14} />}
          onClick={() => setConnecting(true)}
          data-action="connect"
          title="SSH, VS Code and the command line"
        >
          Connect
        </Button>
      </Show>
      <ConnectDialog workspace={props.workspace} open={connecting()} onClose={() => setConnecting(false)} />
      <For each={actions()}>
        {(a) => (
          <Button
            size="sm"
            variant={a === 'resume' || a === 'start' ? 'primary' : 'secondary'}
            icon={<Icon name={META[a].icon} size={14} />}
            loading={props.busy === a}
            disabled={props.busy !== null}
            onClick={() => run(a)}
            data-action={a}
            aria-label={`${META[a].label} workspace`}
            title={`${META[a].label} workspace`}
          >
            {META[a].label}
          </Button>
        )}
      </For>
      <Show when={mayManage()}>
        <Button
          size="sm"
          variant="danger-ghost"
          icon={<Icon name="trash" size={14} />}
          aria-label="Delete workspace"
          title="Delete workspace"
          disabled={props.busy !== null}
          onClick={() => setConfirming('delete')}
          data-action="delete"
        />
      </Show>
      <ConfirmDialog
        open={confirming() !== null && confirming() !== 'delete'}
        title={`${META[(confirming() as LifecycleAction) ?? 'stop']?.label ?? ''} workspace`}
        confirmLabel={META[(confirming() as LifecycleAction) ?? 'stop']?.label ?? 'Confirm'}
        destructive
        onClose={() => setConfirming(null)}
        onConfirm={() => props.onAction(confirming() as LifecycleAction)}
      >
        {META[(confirming() as LifecycleAction) ?? 'stop']?.confirm}
      </ConfirmDialog>
      <ConfirmDialog
        open={confirming() === 'delete'}
        title="Delete workspace"
        confirmLabel="Delete workspace"
        destructive
        onClose={() => setConfirming(null)}
        onConfirm={() => props.onDelete()}
      >
        <Show when={props.workspace}>
          <strong>{props.workspace.name}</strong> and its VM are deleted for everyone: running programs end
          and uncommitted or unpushed changes are lost. This cannot be undone.
        </Show>
      </ConfirmDialog>
    </div>
  );
}
