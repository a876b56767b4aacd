import { createResource, Match, Switch } from 'solid-js';
import { Navigate, useParams } from '@solidjs/router';
import { workspaces } from '../api/workspaces';
import { errorMessage } from '../api/http';
import { useAppState } from '../state/session';
import { Alert } from '../components/Alert';
import { FullPageSpinner } from '../layout/FullPageSpinner';

/**
 * `/workspaces/:id`: where the desktop app's deep links (`cloud-workspaces://workspace/<id>`) land when it
 * cannot resolve the organization itself; finds the workspace's organization and goes to its page.
 */
export function WorkspaceLinkRedirect() {
  const params = useParams<{ id: string }>();
  const app = useAppState();
  const [data] = createResource(
    () => params.id,
    (id) => workspaces.get(id),
  );
  const target = () => {
    const ws = data()?.workspace;
    const org = ws && app.organizations()?.find((o) => o.id === ws.organizationId);
    return org ? `/o/${org.slug}/workspaces/${ws.id}` : undefined;
  };
  return (
    <Switch fallback={<FullPageSpinner />}>
      <Match when={data.error}>
        <div class="page">
          <Alert title="Cannot open this workspace">{errorMessage(data.error)}</Alert>
        </div>
      </Match>
      <Match when={target()}>{(href) => <Navigate href={href()} />}</Match>
    </Switch>
  );
}
