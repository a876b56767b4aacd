import { createSignal, Match, Show, Switch } from 'solid-js';
import { useSearchParams } from '@solidjs/router';
import type { Workspace } from '../../../core/api/workspaces';
import { workspaces } from '../api/workspaces';
import { errorMessage } from '../api/http';
import { Button } from '../components/Button';
import { Spinner } from '../components/Spinner';

/**
 * The repository's setup in the workspace (docs/setup.md): running (after a start or a re-run; during
 * provisioning the status banner says it), failed with its exit code, and a devcontainer.json that did
 * not parse, by file, line and column.
 */
export function SetupBanner(props: {
  workspace: Workspace;
  canRun: boolean;
  onChanged: (w: Workspace) => void;
}) {
  const [, setParams] = useSearchParams<{ tab?: string }>();
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const setup = () => props.workspace.setup ?? { status: 'none' as const };
  const viewLog = () => {
    const id = setup().windowId;
    if (id) setParams({ tab: id }, { replace: true });
  };
  const rerun = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onChanged((await workspaces.rerunSetup(props.workspace.id)).workspace);
      viewLog();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const running = () => props.workspace.status === 'running';
  const failure = () => {
    const s = setup();
    if (s.timedOut) return 'Setup timed out and was stopped';
    return s.exitCode === null || s.exitCode === undefined
      ? 'Setup did not finish'
      : `Setup failed (exit ${s.exitCode})`;
  };
  return (
    <>
      <Switch>
        <Match when={running() && setup().status === 'running'}>
          <div class="banner banner-info" role="status" data-testid="banner-setup-running">
            <Spinner size={14} />
            <div class="banner-text">
              <strong>Running setup</strong>
              <span class="mono truncate">{setup().command}</span>
            </div>
            <div class="banner-actions">
              <Button size="sm" variant="ghost" onClick={viewLog}>
                View log
              </Button>
            </div>
          </div>
        </Match>
        <Match when={running() && setup().status === 'failed'}>
          <div class="banner banner-error" role="alert" data-testid="banner-setup-failed">
            <div class="banner-text">
              <strong>{failure()}</strong>
              <span class="mono truncate">{setup().command}</span>
            </div>
            <div class="banner-actions">
              <Show when={setup().windowId}>
                <Button size="sm" variant="ghost" onClick={viewLog}>
                  View log
                </Button>
              </Show>
              <Show when={props.canRun}>
                <Button size="sm" variant="primary" loading={busy()} onClick={() => void rerun()}>
                  Run again
                </Button>
              </Show>
            </div>
          </div>
        </Match>
      </Switch>
      <Show when={setup().devcontainer}>
        {(p) => (
          <div class="banner banner-warning" role="status" data-testid="banner-devcontainer">
            <div class="banner-text">
              <strong>
                <span class="mono">{p().path}</span> line {p().line}, column {p().column}: {p().message}
              </strong>
              <span>The file was not used; the workspace runs without it.</span>
            </div>
          </div>
        )}
      </Show>
      <Show when={error()}>
        <div class="banner banner-error" role="alert">
          <div class="banner-text">{error()}</div>
        </div>
      </Show>
    </>
  );
}
