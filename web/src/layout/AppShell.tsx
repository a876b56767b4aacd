import { createEffect, createMemo, createResource, createSignal, on, type ParentProps } from 'solid-js';
import { useLocation, useMatch } from '@solidjs/router';
import { useAppState } from '../state/session';
import { Sidebar } from './Sidebar';
import { Icon } from '../components/Icon';
import { Logo } from './Logo';
import { orgs } from '../api/auth';

/** The signed-in frame: a sidebar on desktop, a top bar with a drawer on phones. */
export function AppShell(props: ParentProps) {
  const app = useAppState();
  const location = useLocation();
  const orgMatch = useMatch(() => '/o/:org/*');
  const [drawerOpen, setDrawerOpen] = createSignal(false);
  const [rememberedSlug, setRememberedSlug] = createSignal<string>();

  const currentOrg = createMemo(() => {
    const list = app.organizations() ?? [];
    const slug = orgMatch()?.params.org ?? rememberedSlug();
    const activeId = app.session()?.session.activeOrganizationId;
    return list.find((o) => o.slug === slug) ?? list.find((o) => o.id === activeId) ?? list[0];
  });
  // The person's role in the organization decides which pages the navigation offers.
  const [full] = createResource(
    () => currentOrg()?.id,
    (id) => orgs.full(id).catch(() => undefined),
  );
  const canAdmin = () => {
    const me = full()?.members.find((m) => m.userId === app.session()?.user.id);
    return !!me && /owner|admin/.test(me.role);
  };
  createEffect(() => {
    const slug = orgMatch()?.params.org;
    if (slug) setRememberedSlug(slug);
  });
  // Navigating closes the phone drawer.
  createEffect(
    on(
      () => location.pathname,
      () => setDrawerOpen(false),
      { defer: true },
    ),
  );

  const isWorkspacePage = () => /^\/o\/[^/]+\/workspaces\/[^/]+/.test(location.pathname);

  return (
    <div class="shell" classList={{ 'shell-drawer-open': drawerOpen(), 'shell-full': isWorkspacePage() }}>
      <header class="topbar">
        <button class="icon-btn" aria-label="Open navigation" onClick={() => setDrawerOpen(true)}>
          <Icon name="menu" size={18} />
        </button>
        <Logo />
        <span class="topbar-org truncate">{currentOrg()?.name}</span>
      </header>
      <div class="shell-scrim" onClick={() => setDrawerOpen(false)} />
      <Sidebar org={currentOrg()} canAdmin={canAdmin()} onClose={() => setDrawerOpen(false)} />
      <main class="shell-main">{props.children}</main>
    </div>
  );
}
