import { createSignal, For, Show } from 'solid-js';
import { workspaces } from '../api/workspaces';
import { errorMessage } from '../api/http';
import { Button } from '../components/Button';
import { Icon } from '../components/Icon';
import { Alert } from '../components/Alert';
import { CommandResult } from './CommandResult';
import type { RunRecord } from './run-record';

/** Runs one command through the exec API and shows stdout, stderr and the exit code (the "mobile" use). */
export function CommandRunner(props: { workspaceId: string; disabled: boolean; disabledReason?: string }) {
  const [command, setCommand] = createSignal('');
  const [running, setRunning] = createSignal(false);
  const [runs, setRuns] = createSignal<RunRecord[]>([]);
  let seq = 0;

  const run = async (e?: SubmitEvent) => {
    e?.preventDefault();
    const cmd = command().trim();
    if (!cmd || running()) return;
    const id = ++seq;
    setRuns((r) => [{ id, command: cmd }, ...r].slice(0, 10));
    setRunning(true);
    try {
      const result = await workspaces.exec(props.workspaceId, { command: cmd });
      setRuns((r) => r.map((x) => (x.id === id ? { ...x, result } : x)));
    } catch (err) {
      setRuns((r) => r.map((x) => (x.id === id ? { ...x, error: errorMessage(err) } : x)));
    } finally {
      setRunning(false);
    }
  };

  return (
    <section class="runner" aria-label="Run a command">
      <form class="runner-form" onSubmit={run}>
        <label class="sr-only" for="runner-input">
          Command
        </label>
        <span class="runner-prompt" aria-hidden="true">
          $
        </span>
        <input
          id="runner-input"
          class="runner-input"
          placeholder="git status"
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          value={command()}
          onInput={(e) => setCommand(e.currentTarget.value)}
          disabled={props.disabled}
        />
        <Button
          type="submit"
          size="sm"
          variant="primary"
          loading={running()}
          disabled={props.disabled || !command().trim()}
          icon={<Icon name="run" size={14} />}
        >
          Run
        </Button>
      </form>
      <Show when={props.disabled && props.disabledReason}>
        <p class="runner-hint">{props.disabledReason}</p>
      </Show>
      <div class="runner-results">
        <Show when={runs().length === 0 && !props.disabled}>
          <p class="runner-hint">
            Runs in the workspace's checkout and returns when the command exits. Good for quick checks from a
            phone.
          </p>
        </Show>
        <For each={runs()}>
          {(r) => (
            <Show when={!r.error} fallback={<Alert title={`$ ${r.command}`}>{r.error}</Alert>}>
              <CommandResult record={r} />
            </Show>
          )}
        </For>
      </div>
    </section>
  );
}
