import { splitProps, createUniqueId, For, Show, type JSX } from 'solid-js';

export interface SelectFieldProps extends JSX.SelectHTMLAttributes<HTMLSelectElement> {
  label: string;
  options: { value: string; label: string }[];
  error?: string | null;
}

export function SelectField(props: SelectFieldProps) {
  const [local, rest] = splitProps(props, ['label', 'options', 'error', 'id', 'class']);
  const fallbackId = createUniqueId();
  const id = () => local.id ?? fallbackId;
  return (
    <div class={`field ${local.class ?? ''}`}>
      <label class="field-label" for={id()}>
        {local.label}
      </label>
      <select {...rest} id={id()} class="input select" aria-invalid={local.error ? 'true' : undefined}>
        <For each={local.options}>
          {(o) => (
            <option value={o.value} selected={String(rest.value ?? '') === o.value}>
              {o.label}
            </option>
          )}
        </For>
      </select>
      <Show when={local.error}>
        <p class="field-error">{local.error}</p>
      </Show>
    </div>
  );
}
