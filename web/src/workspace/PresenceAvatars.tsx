import { For, Show } from 'solid-js';
import { Avatar } from '../components/Avatar';

export interface PresentUser {
  userId: string;
  name: string;
  image?: string | null;
  devices: number;
}

export function PresenceAvatars(props: { users: PresentUser[] }) {
  const shown = () => props.users.slice(0, 4);
  const title = () =>
    props.users.map((u) => (u.devices > 1 ? `${u.name} (${u.devices} devices)` : u.name)).join(', ');
  return (
    <Show when={props.users.length > 0}>
      <div class="presence" title={title()} data-testid="presence">
        <span class="avatar-stack">
          <For each={shown()}>{(u) => <Avatar name={u.name} image={u.image} size={24} />}</For>
        </span>
        <span class="presence-count" data-testid="connected-count">
          {props.users.length} connected
        </span>
      </div>
    </Show>
  );
}
