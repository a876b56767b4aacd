import { createResource, createSignal } from 'solid-js';
import { useNavigate, useSearchParams } from '@solidjs/router';
import { errorMessage } from '../api/http';
import { fetchProviders } from '../api/resources';
import { useAppState } from '../state/session';
import { safeRedirect } from '../lib/redirect';

/** What the sign-in and sign-up pages share: where to go afterwards, the busy/error state, the submit. */
export function useAuthForm() {
  const app = useAppState();
  const navigate = useNavigate();
  const [params] = useSearchParams<{ redirect?: string }>();
  const [providers] = createResource(fetchProviders);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const target = () => safeRedirect(params.redirect);

  /** Runs the sign-in or sign-up call, then loads the session and goes where the visitor was headed. */
  const run = async (action: () => Promise<unknown>) => {
    // Read before: once the session exists the fallback <Navigate> leaves the page and the search params
    // (and so target()) change with it.
    const destination = target();
    setBusy(true);
    setError(null);
    try {
      await action();
      await app.refresh();
      // A preview URL's sign-in goes back through the server (it hands the preview its code).
      if (destination.startsWith('/api/')) location.assign(destination);
      else navigate(destination, { replace: true });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  /** A link to the other page that keeps the destination. */
  const otherPage = (path: string) =>
    params.redirect ? `${path}?redirect=${encodeURIComponent(params.redirect)}` : path;

  return { signedIn: () => !!app.session(), providers, busy, error, setError, target, run, otherPage };
}
