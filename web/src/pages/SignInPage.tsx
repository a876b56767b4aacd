import { createSignal, Show } from 'solid-js';
import { A, Navigate } from '@solidjs/router';
import { auth } from '../api/auth';
import { AuthLayout } from '../layout/AuthLayout';
import { TextField } from '../components/TextField';
import { Button } from '../components/Button';
import { Alert } from '../components/Alert';
import { SocialButtons } from './SocialButtons';
import { useAuthForm } from './auth-form';

export function SignInPage() {
  const form = useAuthForm();
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');

  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    void form.run(() => auth.signIn({ email: email().trim(), password: password() }));
  };

  return (
    <Show when={!form.signedIn()} fallback={<Navigate href={form.target()} />}>
      <AuthLayout
        title="Sign in"
        subtitle="Welcome back. Pick up where you left off."
        footer={
          <>
            New here? <A href={form.otherPage('/sign-up')}>Create an account</A>
          </>
        }
      >
        <SocialButtons callbackURL={form.target()} />
        <Show
          when={form.providers()?.emailPassword !== false}
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
            <Show when={form.error()}>
              <Alert>{form.error()}</Alert>
            </Show>
            <Button type="submit" variant="primary" class="btn-block" loading={form.busy()}>
              Sign in
            </Button>
          </form>
        </Show>
      </AuthLayout>
    </Show>
  );
}
