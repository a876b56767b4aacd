import { Show } from 'solid-js';
import { A } from '@solidjs/router';
import type { Organization } from '../../../core/api/auth';
import { Icon, type IconName } from '../components/Icon';
import { Logo } from './Logo';
import { OrgSwitcher } from './OrgSwitcher';
import { UserMenu } from './UserMenu';

function NavLink(props: { href: string; icon: IconName; label: string; end?: boolean }) {
  return (
    <A href={props.href} class="nav-link" activeClass="nav-link-active" end={props.end}>
      <Icon name={props.icon} />
      <span>{props.label}</span>
    </A>
  );
}

export function Sidebar(props: { org: Organization | undefined; canAdmin: boolean; onClose: () => void }) {
  return (
    <aside class="sidebar" aria-label="Navigation">
      <div class="sidebar-head">
        <Logo />
        <button class="icon-btn sidebar-close" aria-label="Close navigation" onClick={() => props.onClose()}>
          <Icon name="x" />
        </button>
      </div>
      <OrgSwitcher current={props.org} />
      <nav class="nav">
        <Show when={props.org}>
          {(org) => (
            <>
              <NavLink href={`/o/${org().slug}/workspaces`} icon="box" label="Workspaces" />
              <NavLink href={`/o/${org().slug}/repositories`} icon="repo" label="Repositories" />
              <NavLink href={`/o/${org().slug}/members`} icon="users" label="Members" />
              <NavLink href={`/o/${org().slug}/secrets`} icon="lock" label="Secrets" />
              <NavLink href={`/o/${org().slug}/usage`} icon="clock" label="Usage" />
              <Show when={props.canAdmin}>
                <NavLink href={`/o/${org().slug}/audit`} icon="settings" label="Audit log" />
              </Show>
            </>
          )}
        </Show>
        <div class="nav-section">Account</div>
        <NavLink href="/settings/api-keys" icon="key" label="API keys" />
        <NavLink href="/settings/secrets" icon="lock" label="Personal secrets" />
      </nav>
      <div class="spacer" />
      <UserMenu />
    </aside>
  );
}
