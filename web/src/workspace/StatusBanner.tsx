import { createSignal, Match, onCleanup, Show, Switch } from 'solid-js';
import type { Workspace } from '../../../core/api/workspaces';
import type { LifecycleAction } from '../api/workspaces';
import { Button } from '../components/Button';
import { Spinner } from '../components/Spinner';
import { ErrorDetailsDialog } from './ErrorDetailsDialog';

function useElapsed(since: () => string | undefined) {
  const [now, setNow] = createSignal(Date.now());
  const t = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => clearInterval(t));
  return () => {
    const s = since();
    if (!s) return '';
    const secs = Math.max(0, Math.round((now() - new Date(s).getTime()) / 1000));
    return secs < 60 ? `${secs}s` : `${Math.floor(secs / 60)}m ${secs % 60}s`;
  };
}

/** The plan's status banners: provisioning progress, resuming, paused, stopped, and errors with a way out. */
export function StatusBanner(props: {
  workspace: Workspace;
  repositoryName?: string;
  resuming: boolean;
  busy: LifecycleAction | 'delete' | null;
  actionError: string | null;
  onAction: (action: LifecycleAction) => Promise<unknown>;
  onDelete: () => void;
}) {
  const [details, setDetails] = createSignal(false);
  const elapsed = useElapsed(() => props.workspace.statusChangedAt ?? props.workspace.updatedAt);
  const act = (a: LifecycleAction) => void props.onAction(a).catch(() => undefined);
  return (
    <>
      <Switch>
        <Match when={props.workspace.status === 'provisioning'}>
          <div class="banner banner-info" role="status" data-testid="banner-provisioning">
            <Spinner size={14} />
            <div class="banner-text">
              <strong>Setting up your workspace</strong>
              <span>
                {props.workspace.statusMessage ??
                  `Creating a VM and cloning ${props.repositoryName ?? 'the repository'} at ${props.workspace.branch}`}
                {(props.workspace.provisionAttempts ?? 0) > 1
                  ? ` (attempt ${props.workspace.provisionAttempts})`
                  : ''}
                … {elapsed()}
              </span>
            </div>
            <div class="banner-progress" />
          </div>
        </Match>
        <Match when={props.workspace.status === 'paused' && props.resuming}>
          <div class="banner banner-info" role="status" data-testid="banner-resuming">
            <Spinner size={14} />
            <div class="banner-text">
              <strong>Resuming…</strong>
              <span>Thawing the VM; your shells continue where they were.</span>
            </div>
          </div>
        </Match>
        <Match when={props.workspace.status === 'paused'}>
          <div class="banner banner-warning" role="status" data-testid="banner-paused">
            <div class="banner-text">
              <strong>Paused</strong>
              <span>{props.workspace.statusMessage ?? 'Processes are frozen. Resume to continue.'}</span>
            </div>
            <Button
              size="sm"
              variant="primary"
              loading={props.busy === 'resume'}
              onClick={() => act('resume')}
            >
              Resume
            </Button>
          </div>
        </Match>
        <Match when={props.workspace.status === 'stopped'}>
          <div class="banner banner-neutral" role="status" data-testid="banner-stopped">
            <div class="banner-text">
              <strong>Stopped</strong>
              <span>
                {props.workspace.statusMessage ??
                  'Files are kept. Start the workspace to open terminals again.'}
              </span>
            </div>
            <Button size="sm" variant="primary" loading={props.busy === 'start'} onClick={() => act('start')}>
              Start
            </Button>
          </div>
        </Match>
        <Match when={props.workspace.status === 'error'}>
          <div class="banner banner-error" role="alert" data-testid="banner-error">
            <div class="banner-text">
              <strong>This workspace could not start</strong>
              <span data-testid="error-message">
                {props.workspace.statusMessage ?? 'Provisioning failed.'}
              </span>
            </div>
            <div class="banner-actions">
              <Button size="sm" variant="ghost" onClick={() => setDetails(true)}>
                View details
              </Button>
              <Button
                size="sm"
                variant="primary"
                loading={props.busy === 'retry'}
                onClick={() => act('retry')}
              >
                Retry
              </Button>
              <Button size="sm" variant="danger-ghost" onClick={() => props.onDelete()}>
                Delete
              </Button>
            </div>
          </div>
        </Match>
      </Switch>
      <Show when={props.actionError}>
        <div class="banner banner-error" role="alert">
          <div class="banner-text">
            <span>{props.actionError}</span>
          </div>
        </div>
      </Show>
      <ErrorDetailsDialog
        open={details()}
        workspace={props.workspace}
        repositoryName={props.repositoryName}
        onClose={() => setDetails(false)}
      />
    </>
  );
}
