import { createSignal, For, onCleanup, onMount, Show } from 'solid-js';
import { useNavigate } from '@solidjs/router';
import { useAppState } from '../state/session';
import type { Organization } from '../../../core/api/auth';
import { Icon } from '../components/Icon';

function OrgMark(props: { name: string }) {
  return <span class="org-mark">{props.name.slice(0, 1).toUpperCase()}</span>;
}

export function OrgSwitcher(props: { current: Organization | undefined }) {
  const app = useAppState();
  const navigate = useNavigate();
  const [open, setOpen] = createSignal(false);
  let root!: HTMLDivElement;
  const onDocClick = (e: MouseEvent) => {
    if (!root.contains(e.target as Node)) setOpen(false);
  };
  const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
  onMount(() => {
    document.addEventListener('mousedown', onDocClick);
    document.addEventListener('keydown', onKey);
  });
  onCleanup(() => {
    document.removeEventListener('mousedown', onDocClick);
    document.removeEventListener('keydown', onKey);
  });
  const go = (href: string) => {
    setOpen(false);
    navigate(href);
  };
  return (
    <div class="org-switcher" ref={root}>
      <button
        class="org-switcher-button"
        aria-haspopup="menu"
        aria-expanded={open()}
        aria-label="Switch organization"
        onClick={() => setOpen(!open())}
      >
        <Show when={props.current} fallback={<span class="muted">No organization</span>}>
          {(org) => (
            <>
              <OrgMark name={org().name} />
              <span class="truncate">{org().name}</span>
            </>
          )}
        </Show>
        <span class="spacer" />
        <Icon name="chevronDown" size={14} />
      </button>
      <Show when={open()}>
        <div class="menu" role="menu">
          <div class="menu-label">Organizations</div>
          <For each={app.organizations() ?? []}>
            {(org) => (
              <button class="menu-item" role="menuitem" onClick={() => go(`/o/${org.slug}/workspaces`)}>
                <OrgMark name={org.name} />
                <span class="truncate">{org.name}</span>
                <span class="spacer" />
                <Show when={org.id === props.current?.id}>
                  <Icon name="check" size={14} />
                </Show>
              </button>
            )}
          </For>
          <div class="menu-sep" />
          <button class="menu-item" role="menuitem" onClick={() => go('/new-org')}>
            <Icon name="plus" size={14} />
            <span>Create organization</span>
          </button>
        </div>
      </Show>
    </div>
  );
}
