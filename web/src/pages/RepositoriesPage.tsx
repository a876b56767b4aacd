import { createResource, createSignal, For, Match, Switch } from 'solid-js';
import { repositories } from '../api/resources';
import { errorMessage } from '../api/http';
import type { Repository } from '../../../core/api/repositories';
import { useCan, useOrg } from '../state/org';
import { PageHeader } from '../components/PageHeader';
import { Button } from '../components/Button';
import { Icon } from '../components/Icon';
import { Alert } from '../components/Alert';
import { EmptyState } from '../components/EmptyState';
import { ListSkeleton } from '../components/ListSkeleton';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { AddRepositoryDialog } from './AddRepositoryDialog';
import { RepositoryCard } from './RepositoryCard';

export function RepositoriesPage() {
  const org = useOrg();
  const [list, { refetch }] = createResource(
    () => org().id,
    async (id) => (await repositories.list(id)).repositories,
  );
  const can = useCan();
  const [adding, setAdding] = createSignal(false);
  const [removing, setRemoving] = createSignal<Repository | null>(null);

  const addButton = () => (
    <Button variant="primary" icon={<Icon name="plus" />} onClick={() => setAdding(true)}>
      Add repository
    </Button>
  );

  return (
    <div class="page">
      <PageHeader
        title="Repositories"
        description="Workspaces are created from these. Add the webhook to GitHub so pushes are pulled into running workspaces."
        actions={(list()?.length ?? 0) > 0 && can('repository.manage') ? addButton() : undefined}
      />
      <Switch>
        <Match when={list.loading && !list()}>
          <ListSkeleton rows={2} />
        </Match>
        <Match when={list.error}>
          <Alert>{errorMessage(list.error)}</Alert>
        </Match>
        <Match when={list()?.length === 0}>
          <EmptyState
            icon={<Icon name="repo" size={20} />}
            title="No repositories yet"
            action={can('repository.manage') ? addButton() : undefined}
          >
            Add a GitHub repository by its URL to start creating workspaces from its branches.
          </EmptyState>
        </Match>
        <Match when={list()}>
          <div class="stack" style={{ gap: '12px' }}>
            <For each={list()}>
              {(repo) => (
                <RepositoryCard
                  repository={repo}
                  onRemove={can('repository.manage') ? () => setRemoving(repo) : undefined}
                  settingsHref={`/o/${org().slug}/repositories/${repo.id}`}
                />
              )}
            </For>
          </div>
        </Match>
      </Switch>
      <AddRepositoryDialog
        open={adding()}
        organizationId={org().id}
        onClose={() => setAdding(false)}
        onAdded={() => void refetch()}
      />
      <ConfirmDialog
        open={!!removing()}
        title="Remove repository"
        confirmLabel="Remove repository"
        destructive
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          await repositories.remove(removing()!.id);
          await refetch();
        }}
      >
        Remove <strong>{removing()?.name}</strong> from {org().name}? Its webhook stops working. Repositories
        that still have workspaces cannot be removed.
      </ConfirmDialog>
    </div>
  );
}
