import { createSignal, Show } from 'solid-js';
import { orgs } from '../api/auth';
import { errorMessage } from '../api/http';
import type { Invitation } from '../../../core/api/auth';
import { Button } from '../components/Button';
import { Alert } from '../components/Alert';
import { CopyButton } from '../components/CopyButton';
import { invitationLink } from './InvitationRow';

export function InviteForm(props: { organizationId: string; onInvited: () => void }) {
  const [email, setEmail] = createSignal('');
  const [role, setRole] = createSignal<'member' | 'admin'>('member');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [sent, setSent] = createSignal<Invitation | null>(null);

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const value = email().trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(value)) {
      setError('Enter an email address.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const inv = await orgs.invite({ email: value, role: role(), organizationId: props.organizationId });
      setSent(inv);
      setEmail('');
      props.onInvited();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card card-section stack" onSubmit={submit} novalidate>
      <div>
        <h2>Invite people</h2>
        <p class="muted">They join after signing in with this email and opening the invitation link.</p>
      </div>
      <div class="invite-row">
        <label class="sr-only" for="invite-email">
          Email address
        </label>
        <input
          id="invite-email"
          class="input"
          type="email"
          placeholder="teammate@company.com"
          value={email()}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
        <label class="sr-only" for="invite-role">
          Role
        </label>
        <select
          id="invite-role"
          class="input select invite-role"
          value={role()}
          onChange={(e) => setRole(e.currentTarget.value as 'member' | 'admin')}
        >
          <option value="member">Member</option>
          <option value="admin">Admin</option>
        </select>
        <Button type="submit" variant="primary" loading={busy()}>
          Send invite
        </Button>
      </div>
      <Show when={error()}>
        <Alert>{error()}</Alert>
      </Show>
      <Show when={sent()}>
        {(inv) => (
          <Alert
            tone="success"
            title={`Invited ${inv().email}`}
            actions={<CopyButton value={invitationLink(inv().id)} label="invitation link" />}
          >
            Share the invitation link with them:{' '}
            <span class="mono" data-testid="invite-link">
              {invitationLink(inv().id)}
            </span>
          </Alert>
        )}
      </Show>
    </form>
  );
}
