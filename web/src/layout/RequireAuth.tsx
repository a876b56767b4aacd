import { Match, Switch, type ParentProps } from 'solid-js';
import { Navigate, useLocation } from '@solidjs/router';
import { useAppState } from '../state/session';
import { AppShell } from './AppShell';
import { FullPageSpinner } from './FullPageSpinner';

/** Everything but sign-in/up: anonymous visitors go to sign-in and come back afterwards. */
export function RequireAuth(props: ParentProps) {
  const app = useAppState();
  const location = useLocation();
  const redirect = () => encodeURIComponent(location.pathname + location.search);
  return (
    <Switch>
      <Match when={app.session() === undefined && (app.session.loading || app.unreachable())}>
        <FullPageSpinner />
      </Match>
      <Match when={!app.session()}>
        <Navigate href={location.pathname === '/' ? '/sign-in' : `/sign-in?redirect=${redirect()}`} />
      </Match>
      <Match when={app.session()}>
        <AppShell>{props.children}</AppShell>
      </Match>
    </Switch>
  );
}
