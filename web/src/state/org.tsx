import { createContext, useContext, type Accessor, type ParentProps } from 'solid-js';
import type { Organization } from '../../../core/api/auth';
import { roleAllows, type Action } from '../../../core/policy';

// The organization the current page belongs to (from the URL), and the user's role in it, for every
// page under /o/:org. The role only hides what the API would refuse; the API decides.
interface OrgState {
  org: Accessor<Organization>;
  role: Accessor<string | undefined>;
}

const OrgContext = createContext<OrgState>();

export function OrgProvider(
  props: ParentProps<{ org: Accessor<Organization>; role: Accessor<string | undefined> }>,
) {
  return (
    <OrgContext.Provider value={{ org: props.org, role: props.role }}>{props.children}</OrgContext.Provider>
  );
}

function useOrgState(): OrgState {
  const ctx = useContext(OrgContext);
  if (!ctx) throw new Error('useOrg outside an organization page');
  return ctx;
}

export function useOrg(): Accessor<Organization> {
  return useOrgState().org;
}

/** Whether the user's role allows an action of core/policy.ts (false while the role is loading). */
export function useCan(): (action: Action) => boolean {
  const { role } = useOrgState();
  return (action) => roleAllows(role(), action);
}
