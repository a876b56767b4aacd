import { createResource, createSignal, For, Match, Show, Switch } from 'solid-js';
import { orgs } from '../api/auth';
import { errorMessage } from '../api/http';
import type { Invitation, Member } from '../../../core/api/auth';
import { useOrg } from '../state/org';
import { useAppState } from '../state/session';
import { PageHeader } from '../components/PageHeader';
import { Alert } from '../components/Alert';
import { ListSkeleton } from '../components/ListSkeleton';
import { InviteForm } from './InviteForm';
import { MemberRow } from './MemberRow';
import { InvitationRow } from './InvitationRow';
import { ConfirmDialog } from '../components/ConfirmDialog';

export function MembersPage() {
  const org = useOrg();
  const app = useAppState();
  const [full, { refetch }] = createResource(
    () => org().id,
    (id) => orgs.full(id),
  );
  const [removing, setRemoving] = createSignal<Member | null>(null);
  const pending = () => (full()?.invitations ?? []).filter((i: Invitation) => i.status === 'pending');
  const myRole = () => full()?.members.find((m) => m.userId === app.session()?.user.id)?.role ?? 'member';
  const canManage = () => /owner|admin/.test(myRole());

  return (
    <div class="page">
      <PageHeader
        title="Members"
        description={`Everyone in ${org().name} can open and use all of its workspaces.`}
      />
      <Show when={canManage()}>
        <InviteForm organizationId={org().id} onInvited={() => void refetch()} />
      </Show>
      <Switch>
        <Match when={full.loading && !full()}>
          <ListSkeleton rows={3} />
        </Match>
        <Match when={full.error}>
          <Alert>{errorMessage(full.error)}</Alert>
        </Match>
        <Match when={full()}>
          {(f) => (
            <>
              <section>
                <h2 class="section-title">
                  {f().members.length} {f().members.length === 1 ? 'member' : 'members'}
                </h2>
                <ul class="list" aria-label="Members">
                  <For each={f().members}>
                    {(m) => (
                      <MemberRow
                        member={m}
                        isSelf={m.userId === app.session()?.user.id}
                        canRemove={canManage() && m.role !== 'owner'}
                        onRemove={() => setRemoving(m)}
                      />
                    )}
                  </For>
                </ul>
              </section>
              <Show when={pending().length > 0}>
                <section>
                  <h2 class="section-title">Pending invitations</h2>
                  <ul class="list" aria-label="Pending invitations">
                    <For each={pending()}>
                      {(inv) => (
                        <InvitationRow
                          invitation={inv}
                          canCancel={canManage()}
                          onChanged={() => void refetch()}
                        />
                      )}
                    </For>
                  </ul>
                </section>
              </Show>
            </>
          )}
        </Match>
      </Switch>
      <ConfirmDialog
        open={!!removing()}
        title="Remove member"
        confirmLabel="Remove"
        destructive
        onClose={() => setRemoving(null)}
        onConfirm={async () => {
          await orgs.removeMember(removing()!.id, org().id);
          await refetch();
        }}
      >
        {removing()?.user.name} ({removing()?.user.email}) will lose access to every workspace of {org().name}
        .
      </ConfirmDialog>
    </div>
  );
}
