import { createEffect, createResource, createSignal, Match, Show, Switch } from 'solid-js';
import { A, useParams } from '@solidjs/router';
import { repositories } from '../api/resources';
import { errorMessage } from '../api/http';
import { SETUP_TIMEOUT_MINUTES } from '../../../core/api/setup';
import { useCan, useOrg } from '../state/org';
import { PageHeader } from '../components/PageHeader';
import { Button } from '../components/Button';
import { Alert } from '../components/Alert';
import { ListSkeleton } from '../components/ListSkeleton';
import { TextField } from '../components/TextField';
import { WebhookDetails } from './RepositoryCard';
import { RepositorySecrets } from './RepositorySecrets';
import { PrebuildStatus } from './PrebuildStatus';

/** `/o/:org/repositories/:id`: how workspaces of this repository are set up (docs/setup.md). */
export function RepositorySettingsPage() {
  const params = useParams<{ id: string }>();
  const org = useOrg();
  const can = useCan();
  const [repo, { mutate }] = createResource(
    () => [org().id, params.id] as const,
    async ([orgId, id]) => (await repositories.list(orgId)).repositories.find((r) => r.id === id) ?? null,
  );
  const [command, setCommand] = createSignal('');
  const [timeout, setTimeoutMinutes] = createSignal('30');
  const [prebuilds, setPrebuilds] = createSignal(true);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [saved, setSaved] = createSignal(false);
  const [version, setVersion] = createSignal(0);
  createEffect(() => {
    const r = repo();
    if (!r) return;
    setCommand(r.setupCommand ?? '');
    setTimeoutMinutes(String(r.setupTimeoutMinutes));
    setPrebuilds(r.prebuildsEnabled);
  });
  const timeoutError = () => {
    const n = Number(timeout());
    return Number.isInteger(n) && n >= SETUP_TIMEOUT_MINUTES.min && n <= SETUP_TIMEOUT_MINUTES.max
      ? null
      : `A whole number of minutes from ${SETUP_TIMEOUT_MINUTES.min} to ${SETUP_TIMEOUT_MINUTES.max}.`;
  };
  const manage = () => can('repository.manage');

  const save = async (e: Event) => {
    e.preventDefault();
    if (timeoutError()) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const { repository } = await repositories.update(params.id, {
        setupCommand: command().trim() ? command() : null,
        setupTimeoutMinutes: Number(timeout()),
        prebuildsEnabled: prebuilds(),
      });
      mutate(repository);
      setSaved(true);
      setVersion((v) => v + 1);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="page">
      <Switch>
        <Match when={repo.loading && !repo()}>
          <ListSkeleton rows={2} />
        </Match>
        <Match when={repo.error}>
          <Alert>{errorMessage(repo.error)}</Alert>
        </Match>
        <Match when={repo() === null}>
          <Alert title="Repository not found">
            It may have been removed. <A href={`/o/${org().slug}/repositories`}>All repositories</A>
          </Alert>
        </Match>
        <Match when={repo()}>
          {(r) => (
            <>
              <PageHeader
                title={r().fullName ?? r().name}
                description={
                  <>
                    <A href={`/o/${org().slug}/repositories`}>Repositories</A> / settings. Changes apply to
                    workspaces created from now on.
                  </>
                }
              />
              <form class="card card-section stack settings-form" onSubmit={save} novalidate>
                <h2 class="section-title">Setup</h2>
                <p class="muted">
                  A <code>.devcontainer/devcontainer.json</code> (or <code>.devcontainer.json</code>) in the
                  repository decides: its <code>postCreateCommand</code> runs once after the clone, its{' '}
                  <code>postStartCommand</code> on every start, both in the workspace's Setup window. Without
                  one, this command runs instead.
                </p>
                <div class="field">
                  <label class="field-label" for="setup-command">
                    Setup command
                  </label>
                  <textarea
                    id="setup-command"
                    class="input mono setup-command"
                    rows={3}
                    placeholder="npm ci && npm run build"
                    value={command()}
                    disabled={!manage()}
                    onInput={(e) => setCommand(e.currentTarget.value)}
                  />
                  <p class="field-hint">Runs with bash in /workspace. Empty: nothing runs.</p>
                </div>
                <TextField
                  label="Timeout (minutes)"
                  type="number"
                  inputMode="numeric"
                  min={SETUP_TIMEOUT_MINUTES.min}
                  max={SETUP_TIMEOUT_MINUTES.max}
                  value={timeout()}
                  disabled={!manage()}
                  onInput={(e) => setTimeoutMinutes(e.currentTarget.value)}
                  error={timeoutError()}
                  hint="A setup still running then is stopped and reported as failed."
                  class="setup-timeout"
                />
                <label class="toggle-row">
                  <input
                    type="checkbox"
                    role="switch"
                    checked={prebuilds()}
                    disabled={!manage()}
                    onChange={(e) => setPrebuilds(e.currentTarget.checked)}
                  />
                  <span>
                    <strong>Prebuilds</strong>
                    <span class="muted">
                      {' '}
                      Keep a snapshot of each branch after a successful setup; new workspaces start from it
                      and run only postStartCommand. Pushes, and changes here, rebuild it in the background.
                    </span>
                  </span>
                </label>
                <PrebuildStatus repositoryId={r().id} version={version()} />
                <Show when={error()}>
                  <Alert>{error()}</Alert>
                </Show>
                <Show when={manage()}>
                  <div class="row settings-actions">
                    <Button type="submit" variant="primary" loading={busy()}>
                      Save setup
                    </Button>
                    <Show when={saved()}>
                      <span class="muted" role="status">
                        Saved.
                      </span>
                    </Show>
                  </div>
                </Show>
              </form>
              <section class="card">
                <div class="card-section">
                  <h2 class="section-title">Secrets</h2>
                  <RepositorySecrets repositoryId={r().id} />
                </div>
              </section>
              <section class="card">
                <div class="card-section">
                  <h2 class="section-title">GitHub webhook</h2>
                </div>
                <WebhookDetails repository={r()} />
              </section>
            </>
          )}
        </Match>
      </Switch>
    </div>
  );
}
