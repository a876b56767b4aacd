import { createResource, createSignal, For, Match, Show, Switch } from 'solid-js';
import { apiKeys } from '../api/resources';
import { errorMessage } from '../api/http';
import type { ApiKey, CreatedApiKey } from '../../../core/api/api-keys';
import { PageHeader } from '../components/PageHeader';
import { Alert } from '../components/Alert';
import { Button } from '../components/Button';
import { CopyButton } from '../components/CopyButton';
import { EmptyState } from '../components/EmptyState';
import { Icon } from '../components/Icon';
import { ListSkeleton } from '../components/ListSkeleton';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ApiKeyRow } from './ApiKeyRow';

export function ApiKeysPage() {
  const [list, { refetch }] = createResource(async () => (await apiKeys.list()).apiKeys);
  const [name, setName] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [created, setCreated] = createSignal<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = createSignal<ApiKey | null>(null);

  const create = async (e: SubmitEvent) => {
    e.preventDefault();
    if (!name().trim()) {
      setError('Name the key after what will use it, e.g. "CI" or "Slack bot".');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setCreated(await apiKeys.create(name().trim()));
      setName('');
      await refetch();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="page">
      <PageHeader
        title="API keys"
        description={
          <>
            Run commands in workspaces from scripts and integrations:{' '}
            <code>Authorization: Bearer &lt;key&gt;</code>. Keys act as you.
          </>
        }
      />
      <form class="card card-section stack" onSubmit={create} novalidate>
        <div class="invite-row">
          <label class="sr-only" for="api-key-name">
            Key name
          </label>
          <input
            id="api-key-name"
            class="input"
            placeholder="Key name, e.g. CI"
            maxLength={32}
            value={name()}
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <Button type="submit" variant="primary" loading={busy()} icon={<Icon name="plus" />}>
            Create key
          </Button>
        </div>
        <Show when={error()}>
          <Alert>{error()}</Alert>
        </Show>
        <Show when={created()}>
          {(key) => (
            <Alert tone="success" title={`Key "${key().name}" created`}>
              <div class="stack" style={{ gap: '8px', 'margin-top': '6px' }}>
                <span>Copy it now. You will not be able to see it again.</span>
                <div class="secret-row">
                  <span class="secret-value" data-testid="new-api-key">
                    {key().key}
                  </span>
                  <CopyButton value={key().key} label="API key" />
                </div>
              </div>
            </Alert>
          )}
        </Show>
      </form>
      <Switch>
        <Match when={list.loading && !list()}>
          <ListSkeleton rows={2} />
        </Match>
        <Match when={list.error}>
          <Alert>{errorMessage(list.error)}</Alert>
        </Match>
        <Match when={list()?.length === 0}>
          <EmptyState icon={<Icon name="key" size={20} />} title="No API keys">
            Create one to call <code>POST /api/workspaces/:id/exec</code> from outside the browser.
          </EmptyState>
        </Match>
        <Match when={list()}>
          <ul class="list" aria-label="API keys">
            <For each={list()}>{(k) => <ApiKeyRow apiKey={k} onRevoke={() => setRevoking(k)} />}</For>
          </ul>
        </Match>
      </Switch>
      <ConfirmDialog
        open={!!revoking()}
        title="Revoke API key"
        confirmLabel="Revoke key"
        destructive
        onClose={() => setRevoking(null)}
        onConfirm={async () => {
          await apiKeys.revoke(revoking()!.id);
          if (created()?.id === revoking()!.id) setCreated(null);
          await refetch();
        }}
      >
        Anything using <strong>{revoking()?.name}</strong> stops working immediately.
      </ConfirmDialog>
    </div>
  );
}
