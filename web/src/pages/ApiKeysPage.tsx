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
import { SelectField } from '../components/SelectField';
import { ApiKeyRow } from './ApiKeyRow';
import { createKeyChoice, KeyOptions } from './KeyOptions';
import { useAppState } from '../state/session';
import type { KeyPermission } from '../../../core/policy';

const PERMISSIONS: { value: KeyPermission; label: string }[] = [
  { value: 'exec', label: 'Run commands' },
  { value: 'read', label: 'Read only' },
  { value: 'admin', label: 'Admin' },
];
const EXPIRIES = [
  { value: '90', label: '90 days' },
  { value: '30', label: '30 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
];

export function ApiKeysPage() {
  const app = useAppState();
  const [list, { refetch }] = createResource(async () => (await apiKeys.list()).apiKeys);
  const [name, setName] = createSignal('');
  const choice = createKeyChoice();
  const [expiry, setExpiry] = createSignal('90');
  const orgName = (id: string | null) => app.organizations()?.find((o) => o.id === id)?.name ?? null;
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
    const organizationId = choice.organization();
    if (!organizationId) {
      setError('Create or join an organization first: a key acts in one organization.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const expiresInDays = expiry() === 'never' ? 'never' : Number(expiry());
      setCreated(
        await apiKeys.create({
          name: name().trim(),
          organizationId,
          permissions: [choice.permission()],
          expiresInDays,
        }),
      );
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
            <code>Authorization: Bearer &lt;key&gt;</code>. A key acts as you, in one organization, with the
            permission you give it, until it expires.
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
        <KeyOptions choice={choice} permissions={PERMISSIONS}>
          <SelectField
            label="Expires"
            value={expiry()}
            options={EXPIRIES}
            onChange={(e) => setExpiry(e.currentTarget.value)}
          />
        </KeyOptions>
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
            <For each={list()}>
              {(k) => (
                <ApiKeyRow
                  apiKey={k}
                  organizationName={orgName(k.organizationId)}
                  onRevoke={() => setRevoking(k)}
                />
              )}
            </For>
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
