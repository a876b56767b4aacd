import { For } from 'solid-js';
import { EXTRA_KEYS, type ExtraKey, type Modifiers } from '../terminal/extra-keys';

/**
 * A row of keys above the terminal on a phone. Buttons never take the focus (pointerdown is
 * cancelled), so the on-screen keyboard stays up and the next letter goes to the terminal; Ctrl and
 * Alt stay pressed for that one key.
 */
export function ExtraKeys(props: {
  modifiers: Modifiers;
  onToggle: (m: keyof Modifiers) => void;
  onKey: (k: ExtraKey) => void;
}) {
  const keep = (e: Event) => e.preventDefault();
  return (
    <div class="extra-keys" role="toolbar" aria-label="Terminal keys" data-testid="extra-keys">
      <For each={['ctrl', 'alt'] as const}>
        {(m) => (
          <button
            type="button"
            class="extra-key extra-key-mod"
            aria-pressed={props.modifiers[m]}
            aria-label={m === 'ctrl' ? 'Control (for the next key)' : 'Alt (for the next key)'}
            onPointerDown={keep}
            onMouseDown={keep}
            onClick={() => props.onToggle(m)}
          >
            {m === 'ctrl' ? 'Ctrl' : 'Alt'}
          </button>
        )}
      </For>
      <For each={EXTRA_KEYS}>
        {(k) => (
          <button
            type="button"
            class="extra-key"
            aria-label={k.aria}
            onPointerDown={keep}
            onMouseDown={keep}
            onClick={() => props.onKey(k.key)}
          >
            {k.label}
          </button>
        )}
      </For>
    </div>
  );
}
