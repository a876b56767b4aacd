import { createResource, createSignal, For, Match, Show, Switch } from 'solid-js';
import { audit } from '../api/organizations';
import { ApiError, errorMessage } from '../api/http';
import type { AuditEvent } from '../../../core/api/organizations';
import { useOrg } from '../state/org';
import { PageHeader } from '../components/PageHeader';
import { Alert } from '../components/Alert';
import { Button } from '../components/Button';
import { ListSkeleton } from '../components/ListSkeleton';
import { EmptyState } from '../components/EmptyState';
import { AuditRow } from './AuditRow';

/** The organization's audit trail, newest first, for owners and admins. */
export function AuditPage() {
  const org = useOrg();
  const [more, setMore] = createSignal<AuditEvent[]>([]);
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [loadingMore, setLoadingMore] = createSignal(false);
  const [first] = createResource(
    () => org().id,
    async (id) => {
      const page = await audit.page(id);
      setMore([]);
      setCursor(page.nextCursor);
      return page.events;
    },
  );
  const events = () => [...(first() ?? []), ...more()];
  const loadMore = async () => {
    const c = cursor();
    if (!c) return;
    setLoadingMore(true);
    try {
      const page = await audit.page(org().id, c);
      setMore((m) => [...m, ...page.events]);
      setCursor(page.nextCursor);
    } finally {
      setLoadingMore(false);
    }
  };
  const forbidden = () => first.error instanceof ApiError && first.error.status === 403;

  return (
    <div class="page">
      <PageHeader
        title="Audit log"
        description="Who created, paused, resumed, stopped and deleted what, and when."
      />
      <Switch>
        <Match when={first.loading && !first()}>
          <ListSkeleton rows={4} />
        </Match>
        <Match when={forbidden()}>
          <EmptyState title="Only owners and admins see the audit log">
            Ask an owner of {org().name}.
          </EmptyState>
        </Match>
        <Match when={first.error}>
          <Alert>{errorMessage(first.error)}</Alert>
        </Match>
        <Match when={events().length === 0}>
          <EmptyState title="Nothing yet">Changes to workspaces appear here.</EmptyState>
        </Match>
        <Match when={first()}>
          <ul class="list" aria-label="Audit log">
            <For each={events()}>{(e) => <AuditRow event={e} />}</For>
          </ul>
          <Show when={cursor()}>
            <div class="load-more">
              <Button variant="secondary" onClick={() => void loadMore()} disabled={loadingMore()}>
                {loadingMore() ? 'Loading…' : 'Load older'}
              </Button>
            </div>
          </Show>
        </Match>
      </Switch>
    </div>
  );
}
