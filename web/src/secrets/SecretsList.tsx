import { createResource, createSignal, For, Match, Show, Switch } from 'solid-js';
import type { SecretInfo } from '../../../core/api/secrets';
import { SECRET_VALUE_MAX_BYTES, secretNameProblem, secretValueBytes } from '../../../core/secrets/rules';
import { errorMessage } from '../api/http';
import type { SecretsApi } from '../api/secrets';
import { Alert } from '../components/Alert';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { EmptyState } from '../components/EmptyState';
import { Icon } from '../components/Icon';
import { ListSkeleton } from '../components/ListSkeleton';
import { RelativeTime } from '../components/RelativeTime';

/**
 * One scope's secrets: names and who changed them when (values are never shown, the API never sends
 * them), a form to add or replace one, and delete. Without `canManage` it lists names only.
 */
export function SecretsList(props: { api: SecretsApi; canManage: boolean; what: string; compact?: boolean }) {
  const [list, { refetch }] = createResource(
    () => props.api,
    async (a) => (await a.list()).secrets,
  );
  const [name, setName] = createSignal('');
  const [value, setValue] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<{ field?: string; message: string } | null>(null);
  const [saved, setSaved] = createSignal<string | null>(null);
  const [removing, setRemoving] = createSignal<SecretInfo | null>(null);

  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    const n = name().trim();
    const problem = secretNameProblem(n);
    if (problem) return setError({ field: 'name', message: `The name ${problem}.` });
    if (secretValueBytes(value()) > SECRET_VALUE_MAX_BYTES)
      return setError({ field: 'value', message: 'A secret is at most 64 KiB.' });
    setBusy(true);
    setError(null);
    try {
      const r = await props.api.put(n, value());
      setSaved(`${n} ${r.created ? 'added' : 'replaced'}.`);
      setName('');
      setValue('');
      await refetch();
    } catch (err) {
      setError({ message: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="stack secrets" classList={{ 'secrets-compact': !!props.compact }}>
      <p class="muted secrets-note" data-testid="secrets-note">
        <Icon name="clock" size={12} />
        <span>
          Changes reach new terminal windows, commands and SSH connections (<code>cw ssh</code>, Connect);
          shells already open keep the values they started with.
        </span>
      </p>
      <Show when={props.canManage}>
        <form class="secret-form" onSubmit={save} novalidate aria-label={`Add a ${props.what} secret`}>
          <div class="field">
            <label class="field-label" for={`secret-name-${props.what}`}>
              Name
            </label>
            <input
              id={`secret-name-${props.what}`}
              class="input mono"
              classList={{ 'input-invalid': error()?.field === 'name' }}
              placeholder="e.g. NPM_TOKEN"
              autocomplete="off"
              spellcheck={false}
              maxLength={200}
              value={name()}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label class="field-label" for={`secret-value-${props.what}`}>
              Value
            </label>
            <textarea
              id={`secret-value-${props.what}`}
              class="input mono secret-input"
              classList={{ 'input-invalid': error()?.field === 'value' }}
              rows={1}
              autocomplete="off"
              spellcheck={false}
              placeholder="Stored encrypted; never shown again"
              value={value()}
              onInput={(e) => setValue(e.currentTarget.value)}
            />
          </div>
          <Button type="submit" variant="primary" loading={busy()} icon={<Icon name="plus" />}>
            Save secret
          </Button>
        </form>
        <Show when={error()}>{(err) => <Alert>{err().message}</Alert>}</Show>
        <Show when={saved() && !error()}>
          <Alert tone="success">{saved()}</Alert>
        </Show>
      </Show>
      <Switch>
        <Match when={list.loading && !list()}>
          <ListSkeleton rows={2} />
        </Match>
        <Match when={list.error}>
          <Alert>{errorMessage(list.error)}</Alert>
        </Match>
        <Match when={list()?.length === 0}>
          <EmptyState icon={<Icon name="lock" size={20} />} title={`No ${props.what} secrets`}>
            {props.canManage
              ? 'Add one above: it becomes an environment variable in every shell and command.'
              : 'Owners and admins add them; they become environment variables in every shell.'}
          </EmptyState>
        </Match>
        <Match when={list()}>
          <ul class="list" aria-label={`${props.what} secrets`}>
            <For each={list()}>
              {(s) => (
                <li class="list-item" data-testid="secret-row">
                  <span class="repo-icon">
                    <Icon name="lock" />
                  </span>
                  <div class="list-item-main">
                    <div class="list-item-title truncate mono">{s.name}</div>
                    <div class="list-item-meta">
                      <span>
                        Changed <RelativeTime value={s.updatedAt} />
                        {s.updatedBy ? ` by ${s.updatedBy.name}` : ''}
                      </span>
                    </div>
                  </div>
                  <Show when={props.canManage}>
                    <Button
                      size="sm"
                      variant="danger-ghost"
                      onClick={() => setRemoving(s)}
                      aria-label={`Delete ${s.name}`}
                    >
                      <Icon name="trash" />
                    </Button>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Match>
      </Switch>
      <ConfirmDialog
        open={!!removing()}
        title="Delete secret"
        confirmLabel="Delete secret"
        destructive
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          await props.api.remove(removing()!.name);
          setSaved(null);
          await refetch();
        }}
      >
        New shells and commands will no longer get <strong class="mono">{removing()?.name}</strong>.
      </ConfirmDialog>
    </div>
  );
}
