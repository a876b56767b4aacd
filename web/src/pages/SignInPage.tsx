import { createResource, createSignal, Show } from 'solid-js';
import { A, Navigate, useNavigate, useSearchParams } from '@solidjs/router';
import { auth } from '../api/auth';
import { errorMessage } from '../api/http';
import { useAppState } from '../state/session';
import { AuthLayout } from '../layout/AuthLayout';
import { TextField } from '../components/TextField';
import { Button } from '../components/Button';
import { Alert } from '../components/Alert';
import { SocialButtons } from './SocialButtons';
import { fetchProviders } from '../api/resources';
import { safeRedirect } from '../lib/redirect';

export function SignInPage() {
  const [providers] = createResource(fetchProviders);
  const app = useAppState();
  const navigate = useNavigate();
  const [params] = useSearchParams<{ redirect?: string }>();
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const target = () => safeRedirect(params.redirect);

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    // Read before signing in: once the session exists the fallback <Navigate> leaves this page and the
    // search params (and so target()) change with it.
    const destination = target();
    setBusy(true);
    setError(null);
    try {
      await auth.signIn({ email: email().trim(), password: password() });
      await app.refresh();
      navigate(destination, { replace: true });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Show when={!app.session()} fallback={<Navigate href={target()} />}>
      <AuthLayout
        title="Sign in"
        subtitle="Welcome back. Pick up where you left off."
        footer={
          <>
            New here?{' '}
            <A
              href={params.redirect ? `/sign-up?redirect=${encodeURIComponent(params.redirect)}` : '/sign-up'}
            >
              Create an account
            </A>
          </>
        }
      >
        <SocialButtons callbackURL={target()} />
        <Show
          when={providers()?.emailPassword !== false}
          fallback={<p class="muted">Email and password sign-in is turned off on this server.</p>}
        >
          <form class="stack" onSubmit={submit} novalidate>
            <TextField
              label="Email"
              type="email"
              name="email"
              autocomplete="email"
              required
              autofocus
              value={email()}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
            <TextField
              label="Password"
              type="password"
              name="password"
              autocomplete="current-password"
              required
              value={password()}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
            <Show when={error()}>
              <Alert>{error()}</Alert>
            </Show>
            <Button type="submit" variant="primary" class="btn-block" loading={busy()}>
              Sign in
            </Button>
          </form>
        </Show>
      </AuthLayout>
    </Show>
  );
}
