import { Navigate } from '@solidjs/router';
import { useOrg } from '../state/org';

export function OrgIndexRedirect() {
  const org = useOrg();
  return <Navigate href={`/o/${org().slug}/workspaces`} />;
}
