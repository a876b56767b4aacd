import { createSignal, type JSX } from 'solid-js';
import type { KeyPermission } from '../../../core/policy';
import { SelectField } from '../components/SelectField';
import { useAppState } from '../state/session';

/** The organization and permission of a key being made; the organization is the active one unless picked. */
export function createKeyChoice() {
  const app = useAppState();
  const [picked, setOrganization] = createSignal<string | null>(null);
  const [permission, setPermission] = createSignal<KeyPermission>('exec');
  // A key acts in one organization: the active one unless another is picked.
  const organization = () =>
    picked() ?? app.session()?.session.activeOrganizationId ?? app.organizations()?.[0]?.id ?? null;
  return { organization, setOrganization, permission, setPermission };
}

export type KeyChoice = ReturnType<typeof createKeyChoice>;

/**
 * A new key's organization and permission (the API keys page, the page `cw login` opens), with any
 * further selects as children: one row on wide screens; on phones the organization takes a row.
 */
export function KeyOptions(props: {
  choice: KeyChoice;
  permissions: { value: KeyPermission; label: string }[];
  children?: JSX.Element;
}) {
  const app = useAppState();
  return (
    <div class="key-options">
      <SelectField
        class="key-options-organization"
        label="Organization"
        value={props.choice.organization() ?? ''}
        options={(app.organizations() ?? []).map((o) => ({ value: o.id, label: o.name }))}
        onChange={(e) => props.choice.setOrganization(e.currentTarget.value)}
      />
      <SelectField
        label="Permission"
        value={props.choice.permission()}
        options={props.permissions}
        onChange={(e) => props.choice.setPermission(e.currentTarget.value as KeyPermission)}
      />
      {props.children}
    </div>
  );
}
