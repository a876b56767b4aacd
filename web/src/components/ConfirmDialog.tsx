import { createSignal, Show, type JSX } from 'solid-js';
import { Dialog } from './Dialog';
import { Button } from './Button';
import { Alert } from './Alert';
import { errorMessage } from '../api/http';

/** Asks before something that destroys work; shows the API's message inline if the action fails. */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: JSX.Element;
  confirmLabel: string;
  destructive?: boolean;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}) {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const close = () => {
    setError(null);
    props.onClose();
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm();
      props.onClose();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={props.open}
      title={props.title}
      onClose={close}
      footer={
        <>
          <Button variant="ghost" onClick={close}>
            Cancel
          </Button>
          <Button
            variant={props.destructive ? 'danger' : 'primary'}
            loading={busy()}
            onClick={confirm}
            autofocus
          >
            {props.confirmLabel}
          </Button>
        </>
      }
    >
      <div class="stack">
        <div class="muted">{props.children}</div>
        <Show when={error()}>
          <Alert>{error()}</Alert>
        </Show>
      </div>
    </Dialog>
  );
}
