import { createResource, createSignal, Match, Show, Switch } from 'solid-js';
import { A, useNavigate, useParams } from '@solidjs/router';
import { orgs } from '../api/auth';
import { errorMessage } from '../api/http';
import { useAppState } from '../state/session';
import { AuthLayout } from '../layout/AuthLayout';
import { Button } from '../components/Button';
import { Alert } from '../components/Alert';
import { Spinner } from '../components/Spinner';
import { VerifyEmailNotice } from './VerifyEmailNotice';

/** `/invite/:id`: the link an admin shares; the invitee signs in (or up) with the invited email and accepts. */
export function InvitePage() {
  const app = useAppState();
  const params = useParams<{ id: string }>();
  const navigate = useNavigate();
  const here = () => encodeURIComponent(`/invite/${params.id}`);
  // Better Auth shows an invitation only to a verified address (worker/auth.ts).
  const verified = () => !!app.session()?.user.emailVerified;
  const [invitation] = createResource(
    () => (app.session() && verified() ? params.id : undefined),
    (id) => orgs.getInvitation(id),
  );
  const [busy, setBusy] = createSignal<'accept' | 'reject' | null>(null);
  const [error, setError] = createSignal<string | null>(null);

  const accept = async () => {
    setBusy('accept');
    setError(null);
    try {
      await orgs.acceptInvitation(params.id);
      await app.refreshOrganizations();
      navigate(`/o/${invitation()!.organizationSlug}/workspaces`, { replace: true });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };
  const reject = async () => {
    setBusy('reject');
    try {
      await orgs.rejectInvitation(params.id);
      navigate('/', { replace: true });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Switch>
      <Match when={app.session.loading && app.session() === undefined}>
        <div class="full-page-center">
          <Spinner />
        </div>
      </Match>
      <Match when={!app.session()}>
        <AuthLayout
          title="You have been invited"
          subtitle="Sign in or create an account with the invited email address to join."
        >
          <div class="stack">
            <A class="btn btn-primary btn-md btn-block" href={`/sign-up?redirect=${here()}`}>
              Create an account
            </A>
            <A class="btn btn-secondary btn-md btn-block" href={`/sign-in?redirect=${here()}`}>
              Sign in
            </A>
          </div>
        </AuthLayout>
      </Match>
      <Match when={app.session()}>
        <AuthLayout title="Join organization">
          <Switch>
            <Match when={!verified()}>
              <VerifyEmailNotice email={app.session()!.user.email} returnTo={`/invite/${params.id}`} />
            </Match>
            <Match when={invitation.loading}>
              <div class="row muted">
                <Spinner /> Loading invitation...
              </div>
            </Match>
            <Match when={invitation.error}>
              <Alert title="This invitation cannot be used">{errorMessage(invitation.error)}</Alert>
              <A href="/">Go to your workspaces</A>
            </Match>
            <Match when={invitation()}>
              {(inv) => (
                <div class="stack">
                  <p>
                    <strong>{inv().inviterEmail}</strong> invited you to join{' '}
                    <strong>{inv().organizationName}</strong> as {inv().role}.
                  </p>
                  <Show when={error()}>
                    <Alert>{error()}</Alert>
                  </Show>
                  <Button variant="primary" class="btn-block" loading={busy() === 'accept'} onClick={accept}>
                    Accept invitation
                  </Button>
                  <Button variant="ghost" class="btn-block" loading={busy() === 'reject'} onClick={reject}>
                    Decline
                  </Button>
                </div>
              )}
            </Match>
          </Switch>
        </AuthLayout>
      </Match>
    </Switch>
  );
}
