import { createEffect, createMemo, createResource, createSignal, Match, on, Show, Switch } from 'solid-js';
import { useNavigate, useParams } from '@solidjs/router';
import { workspaces, type LifecycleAction } from '../api/workspaces';
import { repositories } from '../api/resources';
import { ApiError, errorMessage } from '../api/http';
import { useCan, useOrg } from '../state/org';
import { useAppState } from '../state/session';
import type { ConnectionInfo } from '../terminal/connection';
import type { Presence, ServerMessage } from '../terminal/protocol';
import type { VmHealth, WorkspaceEvent } from '../../../core/protocol';
import { Alert } from '../components/Alert';
import { Spinner } from '../components/Spinner';
import { Icon } from '../components/Icon';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { createWorkspaceState } from './workspace-state';
import { createPresence } from './presence';
import { WorkspaceHeader } from './WorkspaceHeader';
import { StatusBanner } from './StatusBanner';
import { SetupBanner } from './SetupBanner';
import { DesktopWorkspacePanel } from '../desktop';
import { ConnectionBanner } from './ConnectionBanner';
import { IdleWarning } from './IdleWarning';
import { TerminalPane } from './TerminalPane';
import { CommandRunner } from './CommandRunner';
import { PortsPanel } from './PortsPanel';
import { ports as portsApi } from '../api/workspaces';
import type { PortInfo } from '../../../core/api/ports';
import { WorkspacePlaceholder } from './WorkspacePlaceholder';
import type { TerminalHandle } from './TerminalView';
import type { PresentUser } from './PresenceAvatars';

const HEALTH_EVENTS = new Set<string>(['out_of_memory', 'disk_warning', 'disk_full']);

export function WorkspacePage() {
  const params = useParams<{ id: string }>();
  const org = useOrg();
  const app = useAppState();
  const can = useCan();
  const navigate = useNavigate();
  const state = createWorkspaceState(
    () => params.id,
    () => org().id,
  );
  const [repos] = createResource(
    () => org().id,
    async (id) => (await repositories.list(id)).repositories,
  );
  const [resuming, setResuming] = createSignal(false);
  const [actionError, setActionError] = createSignal<string | null>(null);
  const [connection, setConnection] = createSignal<ConnectionInfo>();
  const [livePresence, setLivePresence] = createSignal<Presence | null>(null);
  const [terminalError, setTerminalError] = createSignal<string | null>(null);
  const [pauseAt, setPauseAt] = createSignal<number | null>(null);
  const [handle, setHandle] = createSignal<TerminalHandle>();
  const [runnerOpen, setRunnerOpen] = createSignal(false);
  const [deleting, setDeleting] = createSignal(false);
  const [health, setHealth] = createSignal<VmHealth | null>(null);
  const [healthAlert, setHealthAlert] = createSignal<WorkspaceEvent | null>(null);
  const [ports, setPorts] = createSignal<PortInfo[]>([]);

  const ws = () => state.workspace();
  // Memos: a refetch that changes nothing must not re-run what depends on the status.
  const status = createMemo(() => ws()?.status);
  const running = createMemo(() => status() === 'running');
  // While provisioning runs the setup, its window can be watched live.
  const watchingSetup = createMemo(() => status() === 'provisioning' && ws()?.setup?.status === 'running');
  const terminalsOn = createMemo(() => running() || watchingSetup());
  const repoName = () => {
    const r = repos()?.find((x) => x.id === ws()?.repositoryId);
    return r ? (r.fullName ?? r.name) : undefined;
  };
  // The ports as they are when the page opens and at every status change (configured ones stay listed,
  // not listening, while the workspace is stopped); the room pushes every change while terminals run.
  createEffect(
    on(status, (st) => {
      if (!st) return setPorts([]);
      portsApi.list(params.id).then(setPorts, () => undefined);
    }),
  );
  const presence = createPresence(
    () => params.id,
    createMemo(() => !!status() && status() !== 'error'),
  );

  const act = async (action: LifecycleAction) => {
    setActionError(null);
    state.setBusyAction(action);
    try {
      const { workspace } = await workspaces.action(params.id, action);
      state.setWorkspace(workspace);
    } catch (err) {
      // Someone else changed it first: show the truth rather than an error.
      if (err instanceof ApiError && err.code === 'invalid_transition') void state.refetch();
      else setActionError(errorMessage(err));
      throw err;
    } finally {
      state.setBusyAction(null);
    }
  };

  const resume = async () => {
    setResuming(true);
    try {
      await act('resume');
    } catch {
      // shown by act()
    } finally {
      setResuming(false);
    }
  };

  // Opening a paused workspace resumes it (the plan's flow): once, when the page first sees it paused.
  let autoResumed = false;
  createEffect(() => {
    if (status() && !autoResumed) {
      autoResumed = true;
      if (status() === 'paused') void resume();
    }
  });
  // A paused workspace cannot idle-pause again: drop any warning when the status changes.
  createEffect(on(status, () => setPauseAt(null), { defer: true }));
  // Meters describe a running VM only.
  createEffect(on(running, (r) => !r && setHealth(null), { defer: true }));

  const onMessage = (msg: ServerMessage) => {
    switch (msg.type) {
      case 'presence':
        setLivePresence(msg.presence);
        break;
      case 'idle_warning':
        setPauseAt(msg.pausesAt);
        break;
      case 'status':
        if (msg.status === 'resuming') setResuming(true);
        break;
      case 'screen':
        setResuming(false);
        setTerminalError(null);
        break;
      case 'workspace':
        if (msg.workspace.status !== status()) void state.refetch();
        break;
      case 'event':
        if (HEALTH_EVENTS.has(msg.event.type)) setHealthAlert(msg.event);
        else if (msg.event.type !== 'idle_warning') void state.refetch();
        break;
      case 'health':
        setHealth(msg.health);
        break;
      case 'error':
        setTerminalError(msg.message);
        break;
      case 'ports':
        setPorts(msg.ports);
        break;
    }
  };

  // Who is here: pushed live by the room over the terminal socket; from the last fetch until then.
  const users = createMemo<PresentUser[]>(() => {
    const live = livePresence();
    if (live && running()) {
      return live.users.map((u) => ({
        userId: u.userId,
        name: u.name,
        image: u.image,
        devices: Math.max(1, u.terminals),
        clients: u.clientTypes,
      }));
    }
    const byUser = new Map<string, PresentUser>();
    for (const s of state.sessions()) {
      const u = byUser.get(s.userId);
      if (u) {
        u.devices++;
        if (!u.clients.includes(s.clientType)) u.clients.push(s.clientType);
      } else
        byUser.set(s.userId, {
          userId: s.userId,
          name: s.userName,
          image: s.userImage,
          devices: 1,
          clients: [s.clientType],
        });
    }
    return [...byUser.values()];
  });

  const keepWorking = async () => {
    setPauseAt(null);
    handle()?.heartbeat(true);
    await presence.keepWorking();
    handle()?.focus();
  };

  const remove = async () => {
    state.setBusyAction('delete');
    try {
      await workspaces.remove(params.id);
      presence.forget();
      navigate(`/o/${org().slug}/workspaces`, { replace: true });
    } finally {
      state.setBusyAction(null);
    }
  };

  const runnerDisabledReason = () =>
    status() === 'paused' ? undefined : running() ? undefined : 'Commands run once the workspace is running.';

  return (
    <Switch>
      <Match when={state.data.error && !ws()}>
        <div class="page">
          <Alert title="Cannot open this workspace">{errorMessage(state.data.error)}</Alert>
        </div>
      </Match>
      <Match when={!ws()}>
        <div class="full-page-center">
          <Spinner />
        </div>
      </Match>
      <Match when={ws()}>
        {(w) => (
          <div class="ws-page" data-status={w().status} data-user={app.session()?.user.email}>
            <WorkspaceHeader
              workspace={w()}
              repositoryName={repoName()}
              orgSlug={org().slug}
              users={users()}
              busy={state.busyAction()}
              statusLabel={resuming() && w().status === 'paused' ? 'Resuming' : undefined}
              onAction={act}
              onDelete={remove}
              health={running() ? health() : null}
            />
            <div class="ws-banners">
              <StatusBanner
                workspace={w()}
                repositoryName={repoName()}
                resuming={resuming()}
                busy={state.busyAction()}
                actionError={actionError()}
                onAction={act}
                onDelete={() => setDeleting(true)}
              />
              <SetupBanner
                workspace={w()}
                canRun={can('workspace.setup')}
                onChanged={(x) => state.setWorkspace(x)}
              />
              <DesktopWorkspacePanel workspace={w()} />
              <Show when={running()}>
                <ConnectionBanner info={connection()} onReconnect={() => handle()?.reconnect()} />
                <Show when={terminalError()}>
                  <div class="banner banner-error" role="alert">
                    <div class="banner-text">{terminalError()}</div>
                  </div>
                </Show>
                <IdleWarning pauseAt={pauseAt()} onKeepWorking={() => void keepWorking()} />
                <Show when={healthAlert()}>
                  {(e) => (
                    <div
                      class="banner"
                      classList={{
                        'banner-error': e().type !== 'disk_warning',
                        'banner-warning': e().type === 'disk_warning',
                      }}
                      role="alert"
                      data-testid="banner-health"
                    >
                      <Icon name="alert" />
                      <div class="banner-text">
                        <strong>{e().message}</strong>
                        <span>
                          {e().type === 'out_of_memory'
                            ? 'The VM ran out of memory and the kernel ended that process.'
                            : 'Free space in the workspace (delete build output, caches) or writes fail.'}
                        </span>
                      </div>
                      <div class="banner-actions">
                        <button class="icon-btn" aria-label="Dismiss" onClick={() => setHealthAlert(null)}>
                          <Icon name="x" size={14} />
                        </button>
                      </div>
                    </div>
                  )}
                </Show>
              </Show>
            </div>
            <div class="ws-body" classList={{ 'ws-body-runner': runnerOpen() }}>
              <div class="ws-main">
                <Show
                  when={terminalsOn()}
                  fallback={<WorkspacePlaceholder workspace={w()} resuming={resuming()} />}
                >
                  <TerminalPane
                    workspaceId={w().id}
                    sessionId={presence.sessionId}
                    enabled={terminalsOn()}
                    autoCreate={running()}
                    onConnection={setConnection}
                    onMessage={onMessage}
                    activeHandle={setHandle}
                  />
                </Show>
              </div>
              <aside class="ws-side" aria-label="Ports and command runner">
                <PortsPanel
                  workspaceId={w().id}
                  ports={ports()}
                  running={running()}
                  onChanged={(p) => setPorts((all) => all.map((x) => (x.port === p.port ? p : x)))}
                />
                <CommandRunner
                  workspaceId={w().id}
                  disabled={!running() && status() !== 'paused'}
                  disabledReason={runnerDisabledReason()}
                />
              </aside>
            </div>
            <button
              class="runner-toggle"
              classList={{ 'runner-toggle-on': runnerOpen() }}
              onClick={() => setRunnerOpen(!runnerOpen())}
              aria-pressed={runnerOpen()}
            >
              <Icon name={runnerOpen() ? 'terminal' : 'run'} size={14} />
              {runnerOpen() ? 'Terminal' : ports().length ? `Ports (${ports().length}) · Run` : 'Run command'}
            </button>
            <ConfirmDialog
              open={deleting()}
              title="Delete workspace"
              confirmLabel="Delete workspace"
              destructive
              onClose={() => setDeleting(false)}
              onConfirm={remove}
            >
              <strong>{w().name}</strong> and its VM are deleted for everyone. This cannot be undone.
            </ConfirmDialog>
          </div>
        )}
      </Match>
    </Switch>
  );
}
