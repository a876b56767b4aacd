import { Match, Switch } from 'solid-js';
import { Navigate } from '@solidjs/router';
import { useAppState } from '../state/session';
import { FullPageSpinner } from '../layout/FullPageSpinner';

/** `/`: the last active organization's workspaces, or onboarding when the user has none. */
export function HomeRedirect() {
  const app = useAppState();
  const target = () => {
    const list = app.organizations();
    if (!list) return undefined;
    if (list.length === 0) return '/new-org';
    const activeId = app.session()?.session.activeOrganizationId;
    const org = list.find((o) => o.id === activeId) ?? list[0]!;
    return `/o/${org.slug}/workspaces`;
  };
  return (
    <Switch fallback={<FullPageSpinner />}>
      <Match when={target()}>{(href) => <Navigate href={href()} />}</Match>
    </Switch>
  );
}
