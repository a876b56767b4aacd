import { personalSecrets } from '../api/secrets';
import { PageHeader } from '../components/PageHeader';
import { SecretsList } from '../secrets/SecretsList';

/** The signed-in person's own secrets, in their shells of every workspace. */
export function PersonalSecretsPage() {
  return (
    <div class="page">
      <PageHeader
        title="Personal secrets"
        description={
          <>
            Yours alone, in every organization: the terminal windows you open, the commands you run and your
            SSH sessions get them, over the organization's and repository's of the same name. Teammates who
            use the same workspace can read what its shells hold.
          </>
        }
      />
      <SecretsList api={personalSecrets()} canManage what="personal" />
    </div>
  );
}
