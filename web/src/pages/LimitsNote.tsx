import { createResource, Show } from 'solid-js';
import { limits } from '../api/organizations';

/** "3 of 20 workspaces · 2 of 5 running", where people create workspaces; a warning at a limit. */
export function LimitsNote(props: { organizationId: string; open: boolean }) {
  const [data] = createResource(
    () => (props.open ? props.organizationId : undefined),
    (id) => limits.get(id).catch(() => undefined),
  );
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
