import { createSignal, Show } from 'solid-js';
import { repositories } from '../api/resources';
import { ApiError, errorMessage } from '../api/http';
import { Dialog } from '../components/Dialog';
import { TextField } from '../components/TextField';
import { Button } from '../components/Button';
import { Alert } from '../components/Alert';

export function AddRepositoryDialog(props: {
  open: boolean;
  organizationId: string;
  onClose: () => void;
  onAdded: () => void;
}) {
  const [url, setUrl] = createSignal('');
  const [branch, setBranch] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [urlError, setUrlError] = createSignal<string | null>(null);

  const close = () => {
    setUrl('');
    setBranch('');
    setError(null);
    setUrlError(null);
    props.onClose();
  };
  const submit = async (e?: SubmitEvent) => {
    e?.preventDefault();
    if (!url().trim()) {
      setUrlError('Paste the repository URL, e.g. https://github.com/owner/name');
      return;
    }
    setBusy(true);
    setError(null);
    setUrlError(null);
    try {
      await repositories.create({
        organizationId: props.organizationId,
        url: url().trim(),
        defaultBranch: branch().trim() || undefined,
      });
      props.onAdded();
      close();
    } catch (err) {
      if (err instanceof ApiError && err.field === 'url')
        setUrlError(err.message.replace(/^url: /, 'The URL '));
      else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={props.open}
      title="Add repository"
      description="Workspaces clone it at the branch you pick."
      onClose={close}
      footer={
        <>
          <Button variant="ghost" onClick={close}>
            Cancel
          </Button>
          <Button variant="primary" loading={busy()} onClick={() => submit()}>
            Add repository
          </Button>
        </>
      }
    >
      <form class="stack" onSubmit={submit} novalidate>
        <TextField
          label="Repository URL"
          name="repository-url"
          placeholder="https://github.com/owner/name"
          autofocus
          value={url()}
          error={urlError()}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
        <TextField
          label="Default branch"
          name="default-branch"
          placeholder="main"
          value={branch()}
          onInput={(e) => setBranch(e.currentTarget.value)}
        />
        <Show when={error()}>
          <Alert>{error()}</Alert>
        </Show>
        <button type="submit" hidden />
      </form>
    </Dialog>
  );
}
