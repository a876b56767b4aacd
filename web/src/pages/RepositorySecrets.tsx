import { repositorySecrets } from '../api/secrets';
import { SecretsList } from '../secrets/SecretsList';
import { useCan } from '../state/org';

/** A repository's secrets, for its settings: its workspaces get them over the organization's. */
export function RepositorySecrets(props: { repositoryId: string }) {
  const can = useCan();
  return (
    <section class="stack" aria-label="Repository secrets" data-testid="repository-secrets">
      <p class="muted">
        Environment variables of this repository's workspaces, over the organization's secrets of the same
        name.
      </p>
      <SecretsList
        api={repositorySecrets(props.repositoryId)}
        canManage={can('secret.manage')}
        what="repository"
        compact
      />
    </section>
  );
}
