import { Show } from 'solid-js';
import { Spinner } from '../components/Spinner';
import { useAppState } from '../state/session';

/** Over every page while the server cannot be reached; the session is kept meanwhile. */
export function UnreachableBanner() {
  const app = useAppState();
  return (
    <Show when={app.unreachable()}>
      <div class="banner banner-warning unreachable-banner" role="status" data-testid="banner-unreachable">
        <Spinner size={14} />
        <div class="banner-text">
          <strong>Can't reach the server, retrying…</strong>
          <span>You are still signed in; what you do resumes once it answers.</span>
        </div>
      </div>
    </Show>
  );
}
