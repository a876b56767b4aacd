import { Show, type JSX } from 'solid-js';

export function PageHeader(props: { title: string; description?: JSX.Element; actions?: JSX.Element }) {
  return (
    <header class="page-header">
      <div class="page-header-text">
        <h1>{props.title}</h1>
        <Show when={props.description}>
          <p class="muted">{props.description}</p>
        </Show>
      </div>
      <Show when={props.actions}>
        <div class="page-header-actions">{props.actions}</div>
      </Show>
    </header>
  );
}
