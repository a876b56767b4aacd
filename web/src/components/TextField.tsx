import { splitProps, Show, createUniqueId, type JSX } from 'solid-js';

export interface TextFieldProps extends JSX.InputHTMLAttributes<HTMLInputElement> {
  label: string;
  hint?: JSX.Element;
  error?: string | null;
}

export function TextField(props: TextFieldProps) {
  const [local, rest] = splitProps(props, ['label', 'hint', 'error', 'id', 'class']);
  const fallbackId = createUniqueId();
  const id = () => local.id ?? fallbackId;
  return (
    <div class={`field ${local.class ?? ''}`}>
      <label class="field-label" for={id()}>
        {local.label}
      </label>
      <input
        {...rest}
        id={id()}
        class="input"
        classList={{ 'input-invalid': !!local.error }}
        aria-invalid={local.error ? 'true' : undefined}
        aria-describedby={local.error ? `${id()}-error` : undefined}
      />
      <Show when={local.error}>
        <p class="field-error" id={`${id()}-error`}>
          {local.error}
        </p>
      </Show>
      <Show when={!local.error && local.hint}>
        <p class="field-hint">{local.hint}</p>
      </Show>
    </div>
  );
}
