import {
  createContext,
  createResource,
  createSignal,
  onCleanup,
  useContext,
  type Accessor,
  type ParentProps,
  type Resource,
} from 'solid-js';
import { auth, orgs } from '../api/auth';
import { isUnreachable, setReachabilityHandler, setUnauthorizedHandler } from '../api/http';
import type { AuthSession, Organization } from '../../../core/api/auth';

export interface AppState {
  session: Resource<AuthSession | null | undefined>;
  organizations: Resource<Organization[]>;
  /** The server (or its database) cannot be reached: the session is kept and we retry. */
  unreachable: Accessor<boolean>;
  /** Re-reads the session and the organization list (after sign-in, org creation, accepting an invite). */
  refresh(): Promise<void>;
  refreshOrganizations(): Promise<void>;
  signOut(): Promise<void>;
}

const AppStateContext = createContext<AppState>();

/** How often to try again while the server is unreachable. */
export const RETRY_MS = 3000;

export function AppStateProvider(props: ParentProps) {
  const [unreachable, setUnreachable] = createSignal(false);
  // `undefined` = not known yet (first load, server unreachable); `null` = signed out.
  const [session, { refetch: refetchSession, mutate: setSession }] = createResource<
    AuthSession | null | undefined
  >(async (_, { value }) => {
    try {
      return await auth.getSession();
    } catch (err) {
      // Only the server saying "no session" signs out; a server we cannot reach keeps what we had.
      if (isUnreachable(err)) return value;
      return null;
    }
  });
  const [organizations, { refetch: refetchOrgs, mutate: setOrgs }] = createResource(
    () => session()?.user.id,
    async () => orgs.list(),
  );

  setUnauthorizedHandler(() => {
    if (session()) setSession(null);
  });

  let retry: ReturnType<typeof setInterval> | undefined;
  const stopRetrying = () => {
    if (retry !== undefined) clearInterval(retry);
    retry = undefined;
  };
  setReachabilityHandler((reachable) => {
    if (reachable === unreachable()) setUnreachable(!reachable);
    if (reachable) {
      const wasUnknown = session() === undefined && !session.loading;
      stopRetrying();
      if (wasUnknown) void refetchSession();
      else if (session() && organizations.error) void refetchOrgs();
    } else {
      retry ??= setInterval(() => void refetchSession(), RETRY_MS);
    }
  });
  onCleanup(stopRetrying);

  const state: AppState = {
    session,
    organizations,
    unreachable,
    async refresh() {
      await refetchSession();
      if (session()) await refetchOrgs();
    },
    async refreshOrganizations() {
      await refetchOrgs();
    },
    async signOut() {
      await auth.signOut().catch(() => undefined);
      setOrgs([]);
      setSession(null);
    },
  };

  return <AppStateContext.Provider value={state}>{props.children}</AppStateContext.Provider>;
}

export function useAppState(): AppState {
  const ctx = useContext(AppStateContext);
  if (!ctx) throw new Error('useAppState outside <AppStateProvider>');
  return ctx;
}
