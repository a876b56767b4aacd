import { createContext, useContext, type Accessor, type ParentProps } from 'solid-js';
import type { Organization } from '../../../core/api/auth';

// The organization the current page belongs to (from the URL), for every page under /o/:org.
const OrgContext = createContext<Accessor<Organization>>();

export function OrgProvider(props: ParentProps<{ org: Accessor<Organization> }>) {
  return <OrgContext.Provider value={props.org}>{props.children}</OrgContext.Provider>;
}

export function useOrg(): Accessor<Organization> {
  const ctx = useContext(OrgContext);
  if (!ctx) throw new Error('useOrg outside an organization page');
  return ctx;
}
