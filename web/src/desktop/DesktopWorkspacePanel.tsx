import { createEffect, createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { Alert } from '../components/Alert';
import { Button } from '../components/Button';
import { desktopBridge, EDITOR_LABELS, type EditorId, type SyncActionResult, type SyncState } from './bridge';
import { SyncStatus } from './SyncStatus';
import './desktop.css';

interface WorkspaceLike {
  id: string;
  name: string;
  status: string;
  statusMessage?: string | null;
  pullMessage?: string | null;
  lastCommitSha?: string | null;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Desktop-only actions on the workspace page: "Sync to local", ahead/behind/uncommitted, Pull and Push,
 * "Open in editor"; and it forwards the workspace's changes to the desktop app for native notifications.
 * Renders nothing in a browser.
 */
export function DesktopWorkspacePanel(props: { workspace: WorkspaceLike }) {
  const bridge = desktopBridge();
  if (!bridge) return null;

  const [state, setState] = createSignal<SyncState | null>(null);
  const [editors, setEditors] = createSignal<EditorId[]>([]);
  const [busy, setBusy] = createSignal<'sync' | 'pull' | 'push' | 'refresh' | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [result, setResult] = createSignal<{ kind: 'pull' | 'push'; r: SyncActionResult } | null>(null);

  const id = () => props.workspace.id;

  async function run<T>(
    kind: 'sync' | 'pull' | 'push' | 'refresh',
    fn: () => Promise<T>,
  ): Promise<T | undefined> {
    setBusy(kind);
    setError(null);
    try {
      return await fn();
    } catch (err) {
      setError(errorText(err));
      return undefined;
    } finally {
      setBusy(null);
    }
  }

  const refresh = () => run('refresh', async () => setState(await bridge.getSyncState(id())));
  const syncToLocal = () =>
    run('sync', async () => {
      setResult(null);
      setState(await bridge.syncToLocal(id()));
    });
  const act = (kind: 'pull' | 'push') =>
    run(kind, async () => {
      const r = await bridge[kind](id());
      setResult({ kind, r });
      setState(r.state);
    });

  onMount(() => {
    void refresh();
    void bridge.listEditors().then(setEditors, () => setEditors([]));
    const onFocus = () => void refresh();
    window.addEventListener('focus', onFocus);
    const timer = setInterval(() => {
      if (!document.hidden && !busy()) void refresh();
    }, 60_000);
    onCleanup(() => {
      window.removeEventListener('focus', onFocus);
      clearInterval(timer);
    });
  });

  // Forward every change of the workspace; the desktop app decides whether it is worth a notification.
  createEffect(() => {
    const w = props.workspace;
    bridge.reportWorkspaceState({
      workspaceId: w.id,
      name: w.name,
      status: w.status,
      statusMessage: w.statusMessage ?? null,
      pullMessage: w.pullMessage ?? null,
      lastCommitSha: w.lastCommitSha ?? null,
    });
  });

  const linked = () => {
    const s = state();
    return s && s.linked ? s : null;
  };

  return (
    <section class="desktop-panel" aria-label="Local copy">
      <Show
        when={linked()}
        fallback={
          <div class="desktop-panel-row">
            <span class="muted">Work on this branch on this computer too.</span>
            <Button
              size="sm"
              variant="secondary"
              loading={busy() === 'sync'}
              onClick={() => void syncToLocal()}
            >
              Sync to local
            </Button>
          </div>
        }
      >
        {(s) => (
          <>
            <div class="desktop-panel-row">
              <span class="mono desktop-panel-path" title={s().path}>
                {s().path}
              </span>
              <SyncStatus state={s()} />
              <div class="desktop-panel-actions">
                <Button
                  size="sm"
                  loading={busy() === 'pull'}
                  disabled={!!busy()}
                  onClick={() => void act('pull')}
                >
                  Pull
                </Button>
                <Button
                  size="sm"
                  loading={busy() === 'push'}
                  disabled={!!busy()}
                  onClick={() => void act('push')}
                >
                  Push
                </Button>
                <For each={editors()}>
                  {(editor) => (
                    <Button
                      size="sm"
                      variant="ghost"
                      onClick={() =>
                        void bridge.openInEditor(id(), editor).catch((e) => setError(errorText(e)))
                      }
                    >
                      Open in {EDITOR_LABELS[editor]}
                    </Button>
                  )}
                </For>
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() => void bridge.revealLocal(id()).catch((e) => setError(errorText(e)))}
                >
                  Show folder
                </Button>
                <Button
                  size="sm"
                  variant="ghost"
                  loading={busy() === 'refresh'}
                  disabled={!!busy()}
                  aria-label="Refresh local status"
                  onClick={() => void refresh()}
                >
                  Refresh
                </Button>
              </div>
            </div>
            <Show when={s().problem}>
              {(p) => (
                <Alert
                  tone={p().code === 'fetch_failed' ? 'warning' : 'error'}
                  actions={
                    p().code === 'missing' ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        onClick={() => void bridge.unlinkLocal(id()).then(refresh)}
                      >
                        Forget this folder
                      </Button>
                    ) : undefined
                  }
                >
                  {p().message}
                </Alert>
              )}
            </Show>
          </>
        )}
      </Show>
      <Show when={result()}>
        {(res) => (
          <Show
            when={res().r.ok}
            fallback={
              <Show when={!linked()?.problem || linked()?.problem?.code !== res().r.problem?.code}>
                <Alert title={res().kind === 'pull' ? 'Pull refused' : 'Push refused'}>
                  {res().r.problem?.message}
                </Alert>
              </Show>
            }
          >
            <Alert
              tone={
                res().r.cloudPull && !['pulled', 'up_to_date'].includes(res().r.cloudPull!.outcome)
                  ? 'warning'
                  : 'success'
              }
              title={res().kind === 'pull' ? 'Pulled' : 'Pushed'}
            >
              <Show when={res().r.cloudPull} fallback={res().r.output || 'Done.'}>
                {(c) => <>Cloud workspace: {c().message || c().outcome}</>}
              </Show>
            </Alert>
          </Show>
        )}
      </Show>
      <Show when={error()}>{(e) => <Alert>{e()}</Alert>}</Show>
    </section>
  );
}
