import { createResource, createSignal, For, Show } from 'solid-js';
import { useNavigate } from '@solidjs/router';
import { orgs } from '../api/auth';
import { myInvitations } from '../api/resources';
import { errorMessage } from '../api/http';
import { useAppState } from '../state/session';
import { Button } from '../components/Button';
import { Alert } from '../components/Alert';

/** "You're invited": a person's pending invitations, joinable in one click. Renders nothing when none. */
export function PendingInvitations() {
  const app = useAppState();
  const navigate = useNavigate();
  const [list] = createResource(() => myInvitations.list().then((r) => r.invitations));
  const [joining, setJoining] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);

  const join = async (id: string, slug: string) => {
    setJoining(id);
    setError(null);
    try {
      await orgs.acceptInvitation(id);
      await app.refreshOrganizations();
      navigate(`/o/${slug}/workspaces`, { replace: true });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setJoining(null);
    }
  };

  return (
    <Show when={list()?.length}>
      <section class="card card-section stack" data-testid="pending-invitations">
        <h2>You're invited</h2>
        <For each={list()}>
          {(inv) => (
            <div class="row">
              <div>
                <strong>{inv.organizationName}</strong>
                <div class="muted">
                  {inv.inviterName} invited you{inv.role ? ` as ${inv.role}` : ''}
                </div>
              </div>
              <span class="spacer" />
              <Button
                variant="primary"
                loading={joining() === inv.id}
                onClick={() => join(inv.id, inv.organizationSlug)}
              >
                Join
              </Button>
            </div>
          )}
        </For>
        <Show when={error()}>
          <Alert>{error()}</Alert>
        </Show>
      </section>
    </Show>
  );
}
