import { createSignal, For, Show } from 'solid-js';
import type { TerminalWindow } from '../../../core/api/terminals';
import { Icon } from '../components/Icon';

export function TerminalTabs(props: {
  windows: TerminalWindow[];
  selected: string | undefined;
  creating: boolean;
  onSelect: (windowId: string) => void;
  onNew: () => void;
  onRename: (windowId: string, name: string) => void;
  onClose: (windowId: string) => void;
}) {
  const [editing, setEditing] = createSignal<string | null>(null);
  const commit = (id: string, value: string) => {
    setEditing(null);
    const name = value.trim();
    if (name) props.onRename(id, name);
  };
  return (
    <div class="tabs" role="tablist" aria-label="Terminals">
      <For each={props.windows}>
        {(w) => (
          <div
            class="tab"
            classList={{ 'tab-active': w.windowId === props.selected }}
            role="tab"
            aria-selected={w.windowId === props.selected}
            data-testid="terminal-tab"
          >
            <Show
              when={editing() === w.windowId}
              fallback={
                <button
                  class="tab-label"
                  onClick={() => props.onSelect(w.windowId)}
                  onDblClick={() => setEditing(w.windowId)}
                  title="Double-click to rename"
                >
                  <Icon name="terminal" size={13} />
                  <span class="truncate">{w.name}</span>
                </button>
              }
            >
              <input
                class="tab-input"
                aria-label="Terminal name"
                value={w.name}
                maxLength={40}
                ref={(el) => requestAnimationFrame(() => el.select())}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') commit(w.windowId, e.currentTarget.value);
                  if (e.key === 'Escape') setEditing(null);
                }}
                onBlur={(e) => commit(w.windowId, e.currentTarget.value)}
              />
            </Show>
            <button
              class="tab-icon"
              aria-label={`Rename ${w.name}`}
              title="Rename"
              onClick={() => setEditing(w.windowId)}
            >
              <Icon name="pencil" size={11} />
            </button>
            <button
              class="tab-icon"
              aria-label={`Close ${w.name}`}
              title="Close terminal"
              onClick={() => props.onClose(w.windowId)}
            >
              <Icon name="x" size={12} />
            </button>
          </div>
        )}
      </For>
      <button
        class="tab-new"
        aria-label="New terminal"
        title="New terminal"
        onClick={() => props.onNew()}
        disabled={props.creating}
      >
        <Icon name="plus" size={14} />
      </button>
    </div>
  );
}
