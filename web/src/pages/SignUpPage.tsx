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

const MIN_PASSWORD = 8;

export function SignUpPage() {
  const [providers] = createResource(fetchProviders);
  const app = useAppState();
  const navigate = useNavigate();
  const [params] = useSearchParams<{ redirect?: string }>();
  const [name, setName] = createSignal('');
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [passwordError, setPasswordError] = createSignal<string | null>(null);
  const target = () => safeRedirect(params.redirect);

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setError(null);
    if (password().length < MIN_PASSWORD) {
      setPasswordError(`Use at least ${MIN_PASSWORD} characters.`);
      return;
    }
    setPasswordError(null);
    // Read before signing up: once the session exists the fallback <Navigate> leaves this page and the
    // search params (and so target()) change with it.
    const destination = target();
    setBusy(true);
    try {
      await auth.signUp({
        name: name().trim() || email().split('@')[0]!,
        email: email().trim(),
        password: password(),
      });
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
        title="Create your account"
        subtitle="Cloud dev environments for your repositories, shared with your team."
        footer={
          <>
            Already have an account?{' '}
            <A
              href={params.redirect ? `/sign-in?redirect=${encodeURIComponent(params.redirect)}` : '/sign-in'}
            >
              Sign in
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
              label="Name"
              name="name"
              autocomplete="name"
              autofocus
              value={name()}
              onInput={(e) => setName(e.currentTarget.value)}
            />
            <TextField
              label="Email"
              type="email"
              name="email"
              autocomplete="email"
              required
              value={email()}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
            <TextField
              label="Password"
              type="password"
              name="password"
              autocomplete="new-password"
              required
              hint={`At least ${MIN_PASSWORD} characters.`}
              error={passwordError()}
              value={password()}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
            <Show when={error()}>
              <Alert>{error()}</Alert>
            </Show>
            <Button type="submit" variant="primary" class="btn-block" loading={busy()}>
              Create account
            </Button>
          </form>
        </Show>
      </AuthLayout>
    </Show>
  );
}
