import { Show, onCleanup, onMount, type JSX } from 'solid-js';
import { Portal } from 'solid-js/web';
import { Icon } from './Icon';

/** A modal: Escape and the backdrop close it, focus moves into it and returns to where it was. */
export function Dialog(props: {
  open: boolean;
  title: string;
  description?: JSX.Element;
  onClose: () => void;
  children: JSX.Element;
  footer?: JSX.Element;
  width?: number;
}) {
  return (
    <Show when={props.open}>
      <DialogPanel {...props} />
    </Show>
  );
}

function DialogPanel(props: {
  title: string;
  description?: JSX.Element;
  onClose: () => void;
  children: JSX.Element;
  footer?: JSX.Element;
  width?: number;
}) {
  let panel!: HTMLDivElement;
  const previous = document.activeElement as HTMLElement | null;
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      props.onClose();
    }
  };
  onMount(() => {
    document.addEventListener('keydown', onKey, true);
    const first = panel.querySelector<HTMLElement>(
      '[autofocus], input, select, textarea, button:not(.dialog-close)',
    );
    (first ?? panel).focus();
  });
  onCleanup(() => {
    document.removeEventListener('keydown', onKey, true);
    previous?.focus?.();
  });
  return (
    <Portal>
      <div class="dialog-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
        <div
          ref={panel}
          class="dialog"
          role="dialog"
          aria-modal="true"
          aria-labelledby="dialog-title"
          tabIndex={-1}
          style={{ 'max-width': `${props.width ?? 440}px` }}
        >
          <div class="dialog-header">
            <h2 id="dialog-title">{props.title}</h2>
            <button class="icon-btn dialog-close" aria-label="Close" onClick={() => props.onClose()}>
              <Icon name="x" />
            </button>
          </div>
          <Show when={props.description}>
            <p class="dialog-description">{props.description}</p>
          </Show>
          <div class="dialog-body">{props.children}</div>
          <Show when={props.footer}>
            <div class="dialog-footer">{props.footer}</div>
          </Show>
        </div>
      </div>
    </Portal>
  );
}
