import { createEffect, createSignal, on, Show } from 'solid-js';
import { workspaces } from '../api/workspaces';
import { ApiError, errorMessage } from '../api/http';
import type { Repository } from '../../../core/api/repositories';
import type { Workspace } from '../../../core/api/workspaces';
import { isValidBranchName } from '../../../core/schemas/repositories';
import { Dialog } from '../components/Dialog';
import { SelectField } from '../components/SelectField';
import { TextField } from '../components/TextField';
import { Button } from '../components/Button';
import { Alert } from '../components/Alert';
import { LimitsNote } from './LimitsNote';

export function NewWorkspaceDialog(props: {
  open: boolean;
  organizationId: string;
  repositories: Repository[];
  defaultRepositoryId?: string;
  onClose: () => void;
  onCreated: (workspace: Workspace) => void;
}) {
  const [repoId, setRepoId] = createSignal('');
  const [branch, setBranch] = createSignal('');
  const [name, setName] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [branchError, setBranchError] = createSignal<string | null>(null);
  const repo = () => props.repositories.find((r) => r.id === repoId());

  // Opening the dialog (the page opens it once repositories are loaded) picks the filtered (or first)
  // repository and its default branch.
  const initial = () =>
    props.repositories.find((r) => r.id === props.defaultRepositoryId) ?? props.repositories[0];
  createEffect(
    on(
      () => props.open,
      (open) => {
        if (!open) return;
        setRepoId(initial()?.id ?? '');
        setBranch(initial()?.defaultBranch ?? '');
        setName('');
        setError(null);
        setBranchError(null);
      },
    ),
  );
  const submit = async (e?: SubmitEvent) => {
    e?.preventDefault();
    if (!repo()) {
      setError('Pick a repository.');
      return;
    }
    if (!isValidBranchName(branch().trim())) {
      setBranchError('Enter a valid branch name, e.g. main or feature/login.');
      return;
    }
    setBusy(true);
    setError(null);
    setBranchError(null);
    try {
      const { workspace } = await workspaces.create({
        organizationId: props.organizationId,
        repositoryId: repoId(),
        branch: branch().trim(),
        name: name().trim() || undefined,
      });
      props.onClose();
      props.onCreated(workspace);
    } catch (err) {
      if (err instanceof ApiError && err.field === 'branch') setBranchError(err.message);
      else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={props.open}
      title="New workspace"
      description="A cloud VM clones the branch and keeps running it. It pauses when nobody uses it."
      onClose={() => props.onClose()}
      footer={
        <>
          <Button variant="ghost" onClick={() => props.onClose()}>
            Cancel
          </Button>
          <Button variant="primary" loading={busy()} onClick={() => submit()}>
            Create workspace
          </Button>
        </>
      }
    >
      <form class="stack" onSubmit={submit} novalidate>
        <SelectField
          label="Repository"
          name="repository"
          value={repoId()}
          options={props.repositories.map((r) => ({ value: r.id, label: r.fullName ?? r.name }))}
          onChange={(e) => {
            setRepoId(e.currentTarget.value);
            setBranch(repo()?.defaultBranch ?? branch());
          }}
        />
        <TextField
          label="Branch"
          name="branch"
          placeholder="main"
          value={branch()}
          error={branchError()}
          onInput={(e) => setBranch(e.currentTarget.value)}
        />
        <TextField
          label="Name"
          name="workspace-name"
          placeholder={repo() ? `${repo()!.name}/${branch() || 'main'}` : 'Optional'}
          hint="Optional. Defaults to repository/branch."
          maxLength={100}
          value={name()}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <LimitsNote organizationId={props.organizationId} open={props.open} />
        <Show when={error()}>
          <Alert>{error()}</Alert>
        </Show>
        <button type="submit" hidden />
      </form>
    </Dialog>
  );
}
