import { createMemo, createResource, createSignal, For, Match, Switch } from 'solid-js';
import { usage, type UsageRange } from '../api/organizations';
import { errorMessage } from '../api/http';
import type { UsageGroup } from '../../../core/schemas/organizations';
import { useOrg } from '../state/org';
import { PageHeader } from '../components/PageHeader';
import { Alert } from '../components/Alert';
import { ListSkeleton } from '../components/ListSkeleton';
import { EmptyState } from '../components/EmptyState';
import { SelectField } from '../components/SelectField';
import { Icon } from '../components/Icon';
import { formatDuration } from '../lib/duration';
import { UsageChart } from './UsageChart';

const DAY = 86_400_000;

/** How long the organization's workspaces ran and sat paused, with a chart and a CSV export. */
export function UsagePage() {
  const org = useOrg();
  const [days, setDays] = createSignal('30');
  const [groupBy, setGroupBy] = createSignal<UsageGroup>('workspace');
  const range = createMemo<UsageRange>(() => {
    const to = new Date();
    return {
      from: new Date(to.getTime() - Number(days()) * DAY).toISOString(),
      to: to.toISOString(),
      groupBy: groupBy(),
    };
  });
  const [data] = createResource(
    () => ({ id: org().id, q: range() }),
    ({ id, q }) => usage.get(id, q),
  );

  return (
    <div class="page">
      <PageHeader
        title="Usage"
        description="Time each workspace spent running and paused, counted from its status changes."
        actions={
          <a class="btn btn-secondary" href={usage.csvHref(org().id, range())} download="">
            <Icon name="run" />
            <span>Download CSV</span>
          </a>
        }
      />
      <div class="usage-controls">
        <SelectField
          label="Period"
          value={days()}
          onChange={(e) => setDays(e.currentTarget.value)}
          options={[
            { value: '7', label: 'Last 7 days' },
            { value: '30', label: 'Last 30 days' },
            { value: '90', label: 'Last 90 days' },
          ]}
        />
        <SelectField
          label="Group by"
          value={groupBy()}
          onChange={(e) => setGroupBy(e.currentTarget.value as UsageGroup)}
          options={[
            { value: 'workspace', label: 'Workspace' },
            { value: 'user', label: 'Person' },
            { value: 'day', label: 'Day' },
          ]}
        />
      </div>
      <Switch>
        <Match when={data.loading && !data()}>
          <ListSkeleton rows={3} />
        </Match>
        <Match when={data.error}>
          <Alert>{errorMessage(data.error)}</Alert>
        </Match>
        <Match when={data()?.rows.length === 0}>
          <EmptyState title="No usage in this period">Workspaces count here once they run.</EmptyState>
        </Match>
        <Match when={data()}>
          {(u) => (
            <>
              <div class="usage-totals">
                <div class="usage-total">
                  <span class="usage-dot usage-dot-running" />
                  Running <strong>{formatDuration(u().totals.runningSeconds)}</strong>
                </div>
                <div class="usage-total">
                  <span class="usage-dot usage-dot-paused" />
                  Paused <strong>{formatDuration(u().totals.pausedSeconds)}</strong>
                </div>
              </div>
              <div class="card usage-card">
                <UsageChart rows={u().rows} />
              </div>
              <table class="table usage-table">
                <thead>
                  <tr>
                    <th>{groupBy() === 'day' ? 'Day' : groupBy() === 'user' ? 'Person' : 'Workspace'}</th>
                    <th class="num">Running</th>
                    <th class="num">Paused</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={u().rows}>
                    {(r) => (
                      <tr>
                        <td>{r.label}</td>
                        <td class="num">{formatDuration(r.runningSeconds)}</td>
                        <td class="num">{formatDuration(r.pausedSeconds)}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </>
          )}
        </Match>
      </Switch>
    </div>
  );
}
