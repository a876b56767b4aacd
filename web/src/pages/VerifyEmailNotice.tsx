import { createResource, createSignal, Show } from 'solid-js';
import { auth } from '../api/auth';
import { api, errorMessage } from '../api/http';
import type { PublicConfigResponse } from '../../../core/api/server';
import { Alert } from '../components/Alert';
import { Button } from '../components/Button';

/** An invitation waits for proof that the address is the invitee's: the link mailed at sign-up. */
export function VerifyEmailNotice(props: { email: string; returnTo: string }) {
  const [config] = createResource(() => api.get<PublicConfigResponse>('/api/config').catch(() => null));
  const [state, setState] = createSignal<'idle' | 'sending' | 'sent'>('idle');
  const [error, setError] = createSignal<string | null>(null);
  const resend = async () => {
    setState('sending');
    setError(null);
    try {
      await auth.sendVerification(props.email, props.returnTo);
      setState('sent');
    } catch (err) {
      setError(errorMessage(err));
      setState('idle');
    }
  };
  return (
    <div class="stack" data-testid="verify-email">
      <p>
        To accept, verify that <strong>{props.email}</strong> is yours: open the link we mailed to it, then
        come back to this page.
      </p>
      <Show when={config()?.localMode}>
        <Alert tone="info" title="Running locally">
          Nothing is sent: the mail is in the <a href="/api/dev/outbox">local outbox</a> and in the{' '}
          <code>npm start</code> output.
        </Alert>
      </Show>
      <Show when={error()}>
        <Alert>{error()}</Alert>
      </Show>
      <Button variant="secondary" class="btn-block" loading={state() === 'sending'} onClick={resend}>
        {state() === 'sent' ? 'Sent again' : 'Send the link again'}
      </Button>
    </div>
  );
}
