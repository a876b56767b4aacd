import { Show, type JSX } from 'solid-js';

/** An inline message: API errors show their `message` here, next to what failed. */
export function Alert(props: {
  tone?: 'error' | 'warning' | 'info' | 'success';
  title?: string;
  children?: JSX.Element;
  actions?: JSX.Element;
}) {
  return (
    <div class={`alert alert-${props.tone ?? 'error'}`} role={props.tone === 'info' ? 'status' : 'alert'}>
      <div class="alert-body">
        <Show when={props.title}>
          <strong class="alert-title">{props.title}</strong>
        </Show>
        <Show when={props.children}>
          <div class="alert-text">{props.children}</div>
        </Show>
      </div>
      <Show when={props.actions}>
        <div class="alert-actions">{props.actions}</div>
      </Show>
    </div>
  );
}
