import { createSignal, Show } from 'solid-js';
import { useNavigate } from '@solidjs/router';
import { orgs } from '../api/auth';
import { errorMessage } from '../api/http';
import { useAppState } from '../state/session';
import { TextField } from '../components/TextField';
import { Button } from '../components/Button';
import { Alert } from '../components/Alert';
import { PageHeader } from '../components/PageHeader';
import { slugify } from '../lib/slug';
import { PendingInvitations } from './PendingInvitations';

export function NewOrgPage() {
  const app = useAppState();
  const navigate = useNavigate();
  const [name, setName] = createSignal('');
  const [slug, setSlug] = createSignal('');
  const [slugEdited, setSlugEdited] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const effectiveSlug = () => (slugEdited() ? slug() : slugify(name()));
  const finalSlug = () => slugify(effectiveSlug());
  const first = () => (app.organizations()?.length ?? 0) === 0;

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (!name().trim() || !finalSlug()) {
      setError('Give the organization a name.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const org = await orgs.create({ name: name().trim(), slug: finalSlug() });
      await orgs.setActive(org.id).catch(() => undefined);
      await app.refreshOrganizations();
      navigate(`/o/${org.slug}/workspaces`, { replace: true });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="page page-narrow">
      <PageHeader
        title={first() ? 'Create your first organization' : 'Create an organization'}
        description="Organizations hold repositories and workspaces. Everyone in one can open all of its workspaces."
      />
      <PendingInvitations />
      <form class="card card-section stack" onSubmit={submit} novalidate>
        <TextField
          label="Name"
          name="org-name"
          placeholder="Acme Inc."
          autofocus
          value={name()}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <TextField
          label="URL"
          name="org-slug"
          placeholder="acme"
          hint={<>Used in links: /o/{effectiveSlug() || 'your-org'}</>}
          value={effectiveSlug()}
          onInput={(e) => {
            setSlugEdited(true);
            setSlug(e.currentTarget.value.toLowerCase().replace(/[^a-z0-9-]+/g, '-'));
          }}
        />
        <Show when={error()}>
          <Alert>{error()}</Alert>
        </Show>
        <div class="row">
          <span class="spacer" />
          <Show when={!first()}>
            <Button variant="ghost" onClick={() => history.back()}>
              Cancel
            </Button>
          </Show>
          <Button type="submit" variant="primary" loading={busy()}>
            Create organization
          </Button>
        </div>
      </form>
    </div>
  );
}
