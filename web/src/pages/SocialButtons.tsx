import { createResource, createSignal, Show } from 'solid-js';
import { auth } from '../api/auth';
import { fetchProviders } from '../api/resources';
import { errorMessage } from '../api/http';
import { Button } from '../components/Button';
import { Icon } from '../components/Icon';
import { Alert } from '../components/Alert';

/** "Continue with GitHub / Google", only for the providers the server says are configured. */
export function SocialButtons(props: { callbackURL: string }) {
  const [providers] = createResource(fetchProviders);
  const [error, setError] = createSignal<string | null>(null);
  const go = async (provider: 'github' | 'google') => {
    setError(null);
    try {
      const res = await auth.socialSignIn(provider, props.callbackURL);
      if (res.url) window.location.href = res.url;
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <Show when={providers()?.github || providers()?.google}>
      <div class="stack">
        <Show when={providers()?.github}>
          <Button class="btn-block" icon={<Icon name="github" />} onClick={() => go('github')}>
            Continue with GitHub
          </Button>
        </Show>
        <Show when={providers()?.google}>
          <Button class="btn-block" icon={<Icon name="google" />} onClick={() => go('google')}>
            Continue with Google
          </Button>
        </Show>
        <Show when={error()}>
          <Alert>{error()}</Alert>
        </Show>
        <div class="divider">or</div>
      </div>
    </Show>
  );
}
