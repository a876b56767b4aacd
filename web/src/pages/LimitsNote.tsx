import { createEffect, createSignal, onCleanup, Show } from 'solid-js';
import { limits } from '../api/organizations';
import { ApiError } from '../api/http';
import type { LimitsResponse } from '../../../core/api/organizations';

/** After a failed request, try again after these pauses; opening the dialog again starts over. */
const LIMITS_RETRY_MS = [500, 1500, 4000];

/** A refusal (403, 404) stays one; a server or network hiccup, a 408 or a 429 may pass. */
const worthRetrying = (err: unknown) =>
  !(err instanceof ApiError) || err.status === 0 || err.status >= 500 || [408, 429].includes(err.status);

/** "3 of 20 workspaces · 2 of 5 running", where people create workspaces; a warning at a limit. */
export function LimitsNote(props: { organizationId: string; open: boolean }) {
  // The last good answer stays on screen while a later request fails: the note never blinks out.
  const [loaded, setLoaded] = createSignal<{ organizationId: string; data: LimitsResponse }>();
  createEffect(() => {
    if (!props.open) return;
    const organizationId = props.organizationId;
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = (tried: number) => {
      limits.get(organizationId).then(
        (data) => !done && setLoaded({ organizationId, data }),
        (err: unknown) => {
          const pause = LIMITS_RETRY_MS[tried];
          if (done || pause === undefined || !worthRetrying(err)) return;
          timer = setTimeout(() => attempt(tried + 1), pause);
        },
      );
    };
    attempt(0);
    onCleanup(() => {
      done = true;
      clearTimeout(timer);
    });
  });
  const data = () => {
    const l = loaded();
    return l?.organizationId === props.organizationId ? l.data : undefined;
  };
  const full = () => {
    const d = data();
    return !!d && (d.usage.workspaces >= d.limits.workspaces || d.usage.running >= d.limits.running);
  };
  return (
    <Show when={data()}>
      {(d) => (
        <p class="limits-note" classList={{ 'limits-note-full': full() }} data-testid="limits-note">
          {d().usage.workspaces} of {d().limits.workspaces} workspaces · {d().usage.running} of{' '}
          {d().limits.running} running
          <Show when={full()}>. Stop or delete one first, or ask an admin to raise the limit.</Show>
        </p>
      )}
    </Show>
  );
}
