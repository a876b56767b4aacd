import { For, Show } from 'solid-js';
import type { ClientType } from '../../../core/schemas/sessions';
import { Avatar } from '../components/Avatar';

export interface PresentUser {
  userId: string;
  name: string;
  image?: string | null;
  devices: number;
  /** How they are connected: the web app, the desktop app, SSH (through `cw`). */
  clients: ClientType[];
}

const CLIENT_LABEL: Record<ClientType, string> = { web: 'web', desktop: 'desktop', ssh: 'SSH' };

export function PresenceAvatars(props: { users: PresentUser[] }) {
  const shown = () => props.users.slice(0, 4);
  const overSsh = () => props.users.filter((u) => u.clients.includes('ssh')).length;
  const title = () =>
    props.users
      .map((u) => {
        const via = u.clients.map((c) => CLIENT_LABEL[c]).join(', ');
        const devices = u.devices > 1 ? `${u.devices} devices` : '';
        const extra = [via, devices].filter(Boolean).join('; ');
        return extra ? `${u.name} (${extra})` : u.name;
      })
      .join(', ');
  return (
    <Show when={props.users.length > 0}>
      <div class="presence" title={title()} data-testid="presence">
        <span class="avatar-stack">
          <For each={shown()}>{(u) => <Avatar name={u.name} image={u.image} size={24} />}</For>
        </span>
        <span class="presence-count" data-testid="connected-count">
          {props.users.length} connected
        </span>
        <Show when={overSsh() > 0}>
          <span class="presence-ssh" data-testid="presence-ssh">
            {overSsh() === props.users.length ? 'SSH' : `${overSsh()} over SSH`}
          </span>
        </Show>
      </div>
    </Show>
  );
}
