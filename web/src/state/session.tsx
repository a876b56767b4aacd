import { createContext, createResource, useContext, type ParentProps, type Resource } from 'solid-js';
import { auth, orgs } from '../api/auth';
import { setUnauthorizedHandler } from '../api/http';
import type { AuthSession, Organization } from '../../../core/api/auth';

export interface AppState {
  session: Resource<AuthSession | null>;
  organizations: Resource<Organization[]>;
  /** Re-reads the session and the organization list (after sign-in, org creation, accepting an invite). */
  refresh(): Promise<void>;
  refreshOrganizations(): Promise<void>;
  signOut(): Promise<void>;
}

const AppStateContext = createContext<AppState>();

export function AppStateProvider(props: ParentProps) {
  const [session, { refetch: refetchSession, mutate: setSession }] = createResource(async () => {
    try {
      return await auth.getSession();
    } catch {
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

  const state: AppState = {
    session,
    organizations,
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
