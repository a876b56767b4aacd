import { splitProps, Show, type JSX } from 'solid-js';
import { Spinner } from './Spinner';

export interface ButtonProps extends JSX.ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: 'primary' | 'secondary' | 'ghost' | 'danger' | 'danger-ghost';
  size?: 'sm' | 'md';
  loading?: boolean;
  icon?: JSX.Element;
}

export function Button(props: ButtonProps) {
  const [local, rest] = splitProps(props, [
    'variant',
    'size',
    'loading',
    'icon',
    'class',
    'children',
    'disabled',
  ]);
  return (
    <button
      type="button"
      {...rest}
      class={`btn btn-${local.variant ?? 'secondary'} btn-${local.size ?? 'md'} ${local.class ?? ''}`}
      disabled={local.disabled || local.loading}
      aria-busy={local.loading ? 'true' : undefined}
    >
      <Show when={local.loading} fallback={local.icon}>
        <Spinner size={14} />
      </Show>
      <Show when={local.children}>
        <span class="btn-label">{local.children}</span>
      </Show>
    </button>
  );
}
