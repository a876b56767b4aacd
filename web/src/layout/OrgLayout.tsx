import { createEffect, createMemo, createResource, Match, Switch, type ParentProps } from 'solid-js';
import { useParams } from '@solidjs/router';
import { useAppState } from '../state/session';
import { OrgProvider } from '../state/org';
import { orgs } from '../api/auth';
import { FullPageSpinner } from './FullPageSpinner';
import { NotFoundPage } from '../pages/NotFoundPage';
import type { Organization } from '../../../core/api/auth';

/** Pages under /o/:org: resolves the slug to one of the user's organizations and remembers it as active. */
export function OrgLayout(props: ParentProps) {
  const app = useAppState();
  const params = useParams<{ org: string }>();
  const org = createMemo(() => app.organizations()?.find((o) => o.slug === params.org));
  const [role] = createResource(
    () => org()?.id,
    (id) => orgs.myRole(id).then((r) => r.role),
  );
  let lastActive: string | undefined;
  createEffect(() => {
    const o = org();
    if (o && o.id !== lastActive && app.session()?.session.activeOrganizationId !== o.id) {
      lastActive = o.id;
      orgs.setActive(o.id).catch(() => undefined);
    }
  });
  return (
    <Switch>
      <Match when={app.organizations.loading && !org()}>
        <FullPageSpinner />
      </Match>
      <Match when={org()}>
        {(o) => (
          <OrgProvider org={o as () => Organization} role={() => role()}>
            {props.children}
          </OrgProvider>
        )}
      </Match>
      <Match when={!org()}>
        <NotFoundPage message="This organization does not exist or you are not a member of it." />
      </Match>
    </Switch>
  );
}
