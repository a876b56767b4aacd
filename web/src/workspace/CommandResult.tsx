import { Show } from 'solid-js';
import { Spinner } from '../components/Spinner';
import type { RunRecord } from './run-record';

export function CommandResult(props: { record: RunRecord }) {
  const r = () => props.record.result;
  const ok = () => r()?.exitCode === 0;
  return (
    <article class="run" data-testid="command-result">
      <header class="run-head">
        <code class="run-cmd truncate">$ {props.record.command}</code>
        <Show when={r()} fallback={<Spinner size={12} />}>
          {(res) => (
            <>
              <span class="run-meta">{res().durationMs} ms</span>
              <Show when={res().timedOut}>
                <span class="run-flag">timed out</span>
              </Show>
              <Show when={res().truncated}>
                <span class="run-flag">truncated</span>
              </Show>
              <span class="run-exit" classList={{ 'run-exit-ok': ok() }} data-testid="exit-code">
                exit {res().exitCode ?? '–'}
              </span>
            </>
          )}
        </Show>
      </header>
      <Show when={r()}>
        {(res) => (
          <>
            <Show when={res().stdout}>
              <pre class="run-out" data-testid="stdout">
                {res().stdout}
              </pre>
            </Show>
            <Show when={res().stderr}>
              <pre class="run-out run-err" data-testid="stderr">
                {res().stderr}
              </pre>
            </Show>
            <Show when={!res().stdout && !res().stderr}>
              <p class="run-empty">No output.</p>
            </Show>
          </>
        )}
      </Show>
    </article>
  );
}
