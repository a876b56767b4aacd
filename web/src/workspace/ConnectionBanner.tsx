import { Match, Switch } from 'solid-js';
import type { ConnectionInfo } from '../terminal/connection';
import { Spinner } from '../components/Spinner';
import { Icon } from '../components/Icon';

export function ConnectionBanner(props: { info: ConnectionInfo | undefined; onReconnect: () => void }) {
  return (
    <Switch>
      <Match when={props.info?.state === 'reconnecting'}>
        <div class="banner banner-warning" role="status" data-testid="banner-reconnecting">
          <Spinner size={14} />
          <div class="banner-text">
            <strong>Reconnecting…</strong>
            <span>The terminal connection dropped (attempt {props.info!.attempt} of 4).</span>
          </div>
        </div>
      </Match>
      <Match when={props.info?.state === 'lost'}>
        <button
          class="banner banner-error banner-button"
          onClick={() => props.onReconnect()}
          data-testid="banner-lost"
        >
          <Icon name="wifiOff" />
          <div class="banner-text">
            <strong>Connection lost. Click to reconnect.</strong>
          </div>
        </button>
      </Match>
      <Match when={props.info?.state === 'ended' && props.info.reason}>
        <div class="banner banner-neutral" role="status">
          <div class="banner-text">
            <span>{props.info!.reason}</span>
          </div>
          <button class="btn btn-sm btn-secondary" onClick={() => props.onReconnect()}>
            Reconnect
          </button>
        </div>
      </Match>
    </Switch>
  );
}
