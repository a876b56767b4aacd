import { Show } from 'solid-js';
import type { SyncState } from './bridge';

type Linked = Extract<SyncState, { linked: true }>;

/** Ahead / behind / uncommitted, as small counters with full sentences for screen readers. */
export function SyncStatus(props: { state: Linked }) {
  const s = () => props.state;
  const clean = () => s().ahead === 0 && s().behind === 0 && s().uncommitted === 0;
  return (
    <span class="desktop-sync-status" aria-live="polite">
      <Show when={!clean()} fallback={<span class="desktop-sync-chip">Up to date</span>}>
        <Show when={s().ahead > 0}>
          <span class="desktop-sync-chip" title={`${s().ahead} local commit(s) not pushed`}>
            ↑{s().ahead}
          </span>
        </Show>
        <Show when={s().behind > 0}>
          <span class="desktop-sync-chip" title={`${s().behind} commit(s) on the origin not pulled`}>
            ↓{s().behind}
          </span>
        </Show>
        <Show when={s().uncommitted > 0}>
          <span class="desktop-sync-chip" title={`${s().uncommitted} uncommitted file(s)`}>
            ±{s().uncommitted}
          </span>
        </Show>
      </Show>
      <Show when={!s().fetchedAt}>
        <span class="desktop-sync-chip faint" title="The origin could not be reached: counts may be stale">
          offline
        </span>
      </Show>
    </span>
  );
}
