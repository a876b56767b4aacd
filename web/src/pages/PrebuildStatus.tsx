import { createResource, onCleanup, Show } from 'solid-js';
import type { PrebuildStatus as Status } from '../../../core/api/prebuilds';
import { repositories } from '../api/resources';
import { errorMessage } from '../api/http';
import { RelativeTime } from '../components/RelativeTime';

const short = (sha: string | null | undefined) => (sha ? sha.slice(0, 7) : 'unknown');

/** A refresh after the failed build (a push back to the old setup) made a newer prebuild. */
const newerReady = (p: Status) =>
  !!p.ready && !!p.build?.finishedAt && p.ready.createdAt > p.build.finishedAt;

/** The badge: what a new workspace of the branch gets now, or what the builder is doing. */
function badge(p: Status): { tone: string; label: string } {
  if (!p.enabled) return { tone: 'stopped', label: 'Off' };
  const b = p.build;
  if (b?.status === 'building') return { tone: 'provisioning', label: 'Building' };
  if (b?.status === 'failed' && !newerReady(p))
    return {
      tone: 'error',
      label: b.timedOut
        ? 'Failed (timed out)'
        : b.exitCode !== null
          ? `Failed (exit ${b.exitCode})`
          : 'Failed',
    };
  if (p.ready) return { tone: 'running', label: 'Ready' };
  return { tone: 'stopped', label: 'None yet' };
}

/**
 * "Prebuild: building / ready (commit abc, 2 min ago) / failed (exit N)" for the repository's default
 * branch (docs/setup.md). Looks again every 3 s while a build runs.
 */
export function PrebuildStatus(props: { repositoryId: string; version: number }) {
  // A save asks for a build in the background: look often for a while after one.
  let eagerUntil = 0;
  const [status, { refetch }] = createResource(
    () => [props.repositoryId, props.version] as const,
    async ([id, version]) => {
      if (version > 0) eagerUntil = Math.max(eagerUntil, Date.now() + 15_000);
      return (await repositories.prebuild(id)).prebuild;
    },
  );
  const timer = setInterval(() => {
    if (status()?.build?.status === 'building' || Date.now() < eagerUntil) void refetch();
  }, 3_000);
  onCleanup(() => clearInterval(timer));
  return (
    <div class="prebuild-status" aria-live="polite">
      <Show when={status.error}>
        <p class="muted">Prebuild status unavailable: {errorMessage(status.error)}</p>
      </Show>
      <Show when={status()}>
        {(p) => (
          <>
            <div class="row prebuild-status-head">
              <span class="field-label">Prebuild of {p().branch}</span>
              <span class={`badge badge-${badge(p()).tone}`} data-prebuild={badge(p()).tone}>
                <span class="badge-dot" aria-hidden="true" />
                {badge(p()).label}
              </span>
            </div>
            <p class="field-hint">
              <Show when={p().build?.status === 'building'}>
                {p().build!.commitSha
                  ? `Running the whole setup of commit ${short(p().build!.commitSha)} in the background`
                  : "Cloning the branch's head to run its whole setup in the background"}{' '}
                (started <RelativeTime value={p().build!.startedAt} />
                ).{' '}
              </Show>
              <Show when={p().build?.status === 'failed' && !newerReady(p())}>
                The last build (<RelativeTime value={p().build!.finishedAt} />
                ): {p().build!.message ?? 'it failed.'}{' '}
              </Show>
              <Show
                when={p().ready}
                fallback={
                  <Show when={p().enabled && p().build?.status !== 'building'}>
                    No prebuild yet: the next successful setup of {p().branch} becomes one.
                  </Show>
                }
              >
                {(r) => (
                  <>
                    New workspaces start from commit <code>{short(r().commitSha)}</code>, built{' '}
                    <RelativeTime value={r().createdAt} />.
                  </>
                )}
              </Show>
            </p>
          </>
        )}
      </Show>
    </div>
  );
}
