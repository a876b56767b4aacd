import { createSignal, Show } from 'solid-js';
import { A, Navigate } from '@solidjs/router';
import { auth } from '../api/auth';
import { AuthLayout } from '../layout/AuthLayout';
import { TextField } from '../components/TextField';
import { Button } from '../components/Button';
import { Alert } from '../components/Alert';
import { SocialButtons } from './SocialButtons';
import { useAuthForm } from './auth-form';

const MIN_PASSWORD = 8;

export function SignUpPage() {
  const form = useAuthForm();
  const [name, setName] = createSignal('');
  const [email, setEmail] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [passwordError, setPasswordError] = createSignal<string | null>(null);

  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    form.setError(null);
    if (password().length < MIN_PASSWORD) {
      setPasswordError(`Use at least ${MIN_PASSWORD} characters.`);
      return;
    }
    setPasswordError(null);
    void form.run(() =>
      auth.signUp({
        name: name().trim() || email().split('@')[0]!,
        email: email().trim(),
        password: password(),
        // The mailed verification link comes back here (an invitation page, say).
        callbackURL: form.target(),
      }),
    );
  };

  return (
    <Show when={!form.signedIn()} fallback={<Navigate href={form.target()} />}>
      <AuthLayout
        title="Create your account"
        subtitle="Cloud dev environments for your repositories, shared with your team."
        footer={
          <>
            Already have an account? <A href={form.otherPage('/sign-in')}>Sign in</A>
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
            <Show when={form.error()}>
              <Alert>{form.error()}</Alert>
            </Show>
            <Button type="submit" variant="primary" class="btn-block" loading={form.busy()}>
              Create account
            </Button>
          </form>
        </Show>
      </AuthLayout>
    </Show>
  );
}
