import { createSignal, Show } from 'solid-js';
import type { Invitation } from '../../../core/api/auth';
import { orgs } from '../api/auth';
import { errorMessage } from '../api/http';
import { Avatar } from '../components/Avatar';
import { Button } from '../components/Button';
import { CopyButton } from '../components/CopyButton';
import { formatRelative } from '../components/RelativeTime';

export function invitationLink(id: string): string {
  return `${location.origin}/invite/${id}`;
}

export function InvitationRow(props: { invitation: Invitation; canCancel: boolean; onChanged: () => void }) {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const cancel = async () => {
    setBusy(true);
    try {
      await orgs.cancelInvitation(props.invitation.id);
      props.onChanged();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const expires = () => formatRelative(props.invitation.expiresAt).replace(' ago', '');
  return (
    <li class="list-item" data-testid="invitation-row">
      <Avatar name={props.invitation.email} size={32} />
      <div class="list-item-main">
        <div class="list-item-title truncate">{props.invitation.email}</div>
        <div class="list-item-meta">
          <span>Invited as {props.invitation.role}</span>
          <span>Expires {new Date(props.invitation.expiresAt).toLocaleDateString()}</span>
          <Show when={error()}>
            <span class="field-error">{error()}</span>
          </Show>
        </div>
      </div>
      <CopyButton value={invitationLink(props.invitation.id)} label="invitation link" />
      <Show when={props.canCancel}>
        <Button size="sm" variant="ghost" loading={busy()} onClick={cancel} title={`Expires ${expires()}`}>
          Cancel
        </Button>
      </Show>
    </li>
  );
}
