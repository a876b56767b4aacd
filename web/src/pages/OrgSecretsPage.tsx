import { organizationSecrets } from '../api/secrets';
import { PageHeader } from '../components/PageHeader';
import { SecretsList } from '../secrets/SecretsList';
import { useCan, useOrg } from '../state/org';

/** The organization's secrets: every member's workspaces get them; owners and admins change them. */
export function OrgSecretsPage() {
  const org = useOrg();
  const can = useCan();
  return (
    <div class="page">
      <PageHeader
        title="Secrets"
        description={
          <>
            Environment variables every workspace of {org().name} gets. A repository's secrets and your
            personal ones override these by name. Values are encrypted and never shown again.
          </>
        }
      />
      <SecretsList api={organizationSecrets(org().id)} canManage={can('secret.manage')} what="organization" />
    </div>
  );
}
