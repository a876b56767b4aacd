import { createSignal, onCleanup, Show } from 'solid-js';
import { Button } from '../components/Button';
import { Icon } from '../components/Icon';

/** Shown for the 2 minutes before an idle workspace pauses itself. */
export function IdleWarning(props: { pauseAt: number | null; onKeepWorking: () => void }) {
  const [now, setNow] = createSignal(Date.now());
  const t = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => clearInterval(t));
  const left = () => Math.max(0, Math.round(((props.pauseAt ?? 0) - now()) / 1000));
  const text = () => `${Math.floor(left() / 60)}:${String(left() % 60).padStart(2, '0')}`;
  return (
    <Show when={props.pauseAt !== null && left() > 0}>
      <div class="banner banner-warning" role="status" data-testid="banner-idle">
        <Icon name="clock" />
        <div class="banner-text">
          <strong>Pausing in {text()}</strong>
          <span>Nobody has used this workspace for a while. Its processes will be frozen.</span>
        </div>
        <Button size="sm" variant="primary" onClick={() => props.onKeepWorking()}>
          Keep working
        </Button>
      </div>
    </Show>
  );
}
