import { createSignal, Show } from 'solid-js';
import { useSearchParams } from '@solidjs/router';
import { apiKeys } from '../api/resources';
import { errorMessage } from '../api/http';
import type { KeyPermission } from '../../../core/policy';
import { Alert } from '../components/Alert';
import { Button } from '../components/Button';
import { PageHeader } from '../components/PageHeader';
import { parseCliLogin } from './cli-login';
import { createKeyChoice, KeyOptions } from './KeyOptions';

// `cw login` opens this page (as `gh auth login` and `coder login` do): the person picks the
// organization, the page makes a key and hands it to the CLI's one-time server on this machine's
// loopback with a form POST (a top-level navigation: no CORS, the key never sits in a URL).

const PERMISSIONS: { value: KeyPermission; label: string }[] = [
  { value: 'exec', label: 'Run commands (workspaces, exec, ssh)' },
  { value: 'read', label: 'Read only' },
];

/** Navigates to the CLI's callback with the fields as a form body. */
function postToCli(port: number, fields: Record<string, string>) {
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = `http://127.0.0.1:${port}/callback`;
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

export function CliLoginPage() {
  const [params] = useSearchParams<{ port?: string; state?: string; host?: string }>();
  const request = () => parseCliLogin(params);
  const choice = createKeyChoice();
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [done, setDone] = createSignal(false);
  const organization = choice.organization;

  const authorize = async () => {
    const r = request();
    const organizationId = organization();
    if (!r || !organizationId) return;
    setBusy(true);
    setError(null);
    try {
      const made = await apiKeys.create({
        name: `cw on ${r.host}`.slice(0, 32),
        organizationId,
        permissions: [choice.permission()],
      });
      setDone(true);
      postToCli(r.port, { state: r.state, key: made.key });
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <div class="page page-narrow">
      <PageHeader
        title="Sign in the command line"
        description="A key for cw, the Cloud Workspaces CLI, on your machine. It acts as you in one organization and expires in 90 days; revoke it any time under API keys."
      />
      <Show
        when={request()}
        fallback={
          <Alert>
            This sign-in link is incomplete or damaged. Run <code>cw login</code> again.
          </Alert>
        }
      >
        {(r) => (
          <div class="card card-section stack" data-testid="cli-login">
            <p>
              <strong>cw on {r().host}</strong> asks to act as you. Only continue if you just ran{' '}
              <code>cw login</code> there.
            </p>
            <KeyOptions choice={choice} permissions={PERMISSIONS} />
            <Show when={!organization()}>
              <Alert>Create or join an organization first: a key acts in one organization.</Alert>
            </Show>
            <Show when={error()}>
              <Alert>{error()}</Alert>
            </Show>
            <Show when={done()}>
              <Alert tone="success" title="Key created">
                Handing it to cw… you can go back to your terminal.
              </Alert>
            </Show>
            <div class="cli-login-actions">
              <Button
                variant="primary"
                loading={busy()}
                disabled={!organization() || done()}
                onClick={authorize}
              >
                Authorize cw
              </Button>
              <Button
                variant="ghost"
                disabled={busy() || done()}
                onClick={() => postToCli(r().port, { state: r().state, error: 'denied' })}
              >
                Cancel
              </Button>
            </div>
          </div>
        )}
      </Show>
    </div>
  );
}
