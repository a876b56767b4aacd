import { Show } from 'solid-js';
import { useNavigate } from '@solidjs/router';
import { useAppState } from '../state/session';
import { Avatar } from '../components/Avatar';
import { Icon } from '../components/Icon';

export function UserMenu() {
  const app = useAppState();
  const navigate = useNavigate();
  const signOut = async () => {
    await app.signOut();
    navigate('/sign-in', { replace: true });
  };
  return (
    <Show when={app.session()?.user}>
      {(user) => (
        <div class="user-menu">
          <Avatar name={user().name || user().email} image={user().image} size={28} />
          <div class="user-menu-text">
            <div class="truncate user-menu-name">{user().name}</div>
            <div class="truncate faint user-menu-email">{user().email}</div>
          </div>
          <button class="icon-btn" title="Sign out" aria-label="Sign out" onClick={signOut}>
            <Icon name="logout" />
          </button>
        </div>
      )}
    </Show>
  );
}
