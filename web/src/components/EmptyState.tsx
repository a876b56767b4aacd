import { Show, type JSX } from 'solid-js';

export function EmptyState(props: {
  icon?: JSX.Element;
  title: string;
  children?: JSX.Element;
  action?: JSX.Element;
}) {
  return (
    <div class="empty">
      <Show when={props.icon}>
        <div class="empty-icon">{props.icon}</div>
      </Show>
      <h3 class="empty-title">{props.title}</h3>
      <Show when={props.children}>
        <p class="empty-text">{props.children}</p>
      </Show>
      <Show when={props.action}>
        <div class="empty-action">{props.action}</div>
      </Show>
    </div>
  );
}
