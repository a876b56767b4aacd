import {
  createEffect,
  createResource,
  createSignal,
  For,
  Match,
  on,
  onCleanup,
  Show,
  Switch,
} from 'solid-js';
import { useNavigate, useSearchParams } from '@solidjs/router';
import { workspaces as workspacesApi } from '../api/workspaces';
import { repositories } from '../api/resources';
import { errorMessage } from '../api/http';
import type { WorkspaceListItem } from '../../../core/api/workspaces';
import { useOrg } from '../state/org';
import { subscribeOrgEvents } from '../live/org-events';
import { PageHeader } from '../components/PageHeader';
import { Button } from '../components/Button';
import { Icon } from '../components/Icon';
import { Alert } from '../components/Alert';
import { EmptyState } from '../components/EmptyState';
import { ListSkeleton } from '../components/ListSkeleton';
import { WorkspaceRow } from './WorkspaceRow';
import { NewWorkspaceDialog } from './NewWorkspaceDialog';

export function WorkspacesPage() {
  const org = useOrg();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams<{ repo?: string; new?: string }>();
  const [repos] = createResource(
    () => org().id,
    async (id) => (await repositories.list(id)).repositories,
  );
  const [list, { refetch, mutate }] = createResource(
    () => ({ org: org().id, repo: params.repo }),
    async (k) => (await workspacesApi.list(k.org, k.repo || undefined)).workspaces,
  );
  const [creating, setCreating] = createSignal(params.new === '1');

  createEffect(
    on(
      () => org().id,
      (organizationId) => {
        const stop = subscribeOrgEvents({
          organizationId,
          onResync: () => void refetch(),
          onEvent: (event) => {
            if (event.kind === 'workspace-deleted') {
              mutate((l) => l?.filter((w) => w.id !== event.workspaceId));
            } else if (event.kind === 'workspace') {
              const known = list()?.some((w) => w.id === event.workspace.id);
              if (!known) void refetch();
              else
                mutate((l) =>
                  l?.map((w) =>
                    w.id === event.workspace.id ? ({ ...w, ...event.workspace } as WorkspaceListItem) : w,
                  ),
                );
            } else if (event.kind === 'presence') {
              mutate((l) =>
                l?.map((w) =>
                  w.id === event.workspaceId ? { ...w, connectedCount: event.connectedCount } : w,
                ),
              );
            }
          },
        });
        onCleanup(stop);
      },
    ),
  );

  const repoOptions = () => repos() ?? [];
  const newButton = () => (
    <Button
      variant="primary"
      icon={<Icon name="plus" />}
      onClick={() => setCreating(true)}
      disabled={repoOptions().length === 0}
    >
      New workspace
    </Button>
  );

  return (
    <div class="page">
      <PageHeader
        title="Workspaces"
        description="Cloud dev environments of this organization. Anyone in it can open them."
        actions={newButton()}
      />
      <Show when={repoOptions().length > 1 || params.repo}>
        <div class="filters">
          <label class="sr-only" for="repo-filter">
            Repository
          </label>
          <select
            id="repo-filter"
            class="input select"
            value={params.repo ?? ''}
            onChange={(e) => setParams({ repo: e.currentTarget.value || undefined })}
          >
            <option value="">All repositories</option>
            <For each={repoOptions()}>{(r) => <option value={r.id}>{r.fullName ?? r.name}</option>}</For>
          </select>
        </div>
      </Show>
      <Switch>
        <Match when={list.loading && !list()}>
          <ListSkeleton rows={3} />
        </Match>
        <Match when={list.error && !list()}>
          <Alert>{errorMessage(list.error)}</Alert>
        </Match>
        <Match when={repos() && repoOptions().length === 0 && list()?.length === 0}>
          <EmptyState
            icon={<Icon name="repo" size={20} />}
            title="Add a repository first"
            action={
              <Button variant="primary" onClick={() => navigate(`/o/${org().slug}/repositories`)}>
                Add repository
              </Button>
            }
          >
            Workspaces are created from a repository and a branch.
          </EmptyState>
        </Match>
        <Match when={list()?.length === 0}>
          <EmptyState
            icon={<Icon name="box" size={20} />}
            title={params.repo ? 'No workspaces for this repository' : 'No workspaces yet'}
            action={newButton()}
          >
            Create one from a repository and branch. It clones the code and gives you terminals in the
            browser.
          </EmptyState>
        </Match>
        <Match when={list()}>
          <div>
            <div class="ws-row ws-list-head" aria-hidden="true">
              <span>Workspace</span>
              <span>Status</span>
              <span>Connected</span>
              <span style={{ 'text-align': 'right' }}>Last active</span>
            </div>
            <ul class="list ws-list" aria-label="Workspaces">
              <For each={list()}>{(ws) => <WorkspaceRow workspace={ws} orgSlug={org().slug} />}</For>
            </ul>
          </div>
        </Match>
      </Switch>
      <NewWorkspaceDialog
        open={creating() && !!repos()}
        organizationId={org().id}
        repositories={repoOptions()}
        defaultRepositoryId={params.repo}
        onClose={() => setCreating(false)}
        onCreated={(ws) => navigate(`/o/${org().slug}/workspaces/${ws.id}`)}
      />
    </div>
  );
}
