import { Match, Switch } from 'solid-js';
import type { Workspace } from '../../../core/api/workspaces';
import { Spinner } from '../components/Spinner';
import { Icon } from '../components/Icon';

/** What the dark pane shows while there is no shell to attach to. */
export function WorkspacePlaceholder(props: { workspace: Workspace; resuming: boolean }) {
  return (
    <div class="term-pane term-placeholder-pane">
      <div class="term-placeholder">
        <Switch>
          <Match when={props.workspace.status === 'provisioning'}>
            <div class="provision">
              <Spinner size={18} />
              <div class="provision-steps">
                <div class="provision-step provision-done">
                  <Icon name="check" size={13} /> Workspace created
                </div>
                <div class="provision-step provision-current">
                  <Icon name="branch" size={13} /> Cloning <span class="mono">{props.workspace.branch}</span>{' '}
                  into a fresh VM
                </div>
                <div class="provision-step">
                  <Icon name="terminal" size={13} /> Opening your terminal
                </div>
              </div>
            </div>
          </Match>
          <Match when={props.workspace.status === 'paused'}>
            {props.resuming ? (
              <>
                <Spinner /> Resuming…
              </>
            ) : (
              'Paused. Resume to reconnect to your shells.'
            )}
          </Match>
          <Match when={props.workspace.status === 'stopped'}>
            Stopped. Start the workspace to open terminals.
          </Match>
          <Match when={props.workspace.status === 'error'}>No terminal: the workspace failed to start.</Match>
        </Switch>
      </div>
    </div>
  );
}
