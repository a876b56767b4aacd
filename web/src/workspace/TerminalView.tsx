import { createEffect, createSignal, on, onCleanup, onMount, Show } from 'solid-js';
import { createXterm, SEARCH_DECORATIONS } from '../terminal/xterm';
import { TerminalConnection, type ConnectionInfo } from '../terminal/connection';
import { ACK_EVERY_BYTES, CloseCode, type ServerMessage } from '../terminal/protocol';
import { copyText, readClipboard } from '../lib/clipboard';
import { Button } from '../components/Button';
import { fetchPreviewConfig } from '../api/resources';
import { localLinkToPreview } from '../../../core/ports';
import { applyModifiers, extraKeyData, type ExtraKey, type Modifiers } from '../terminal/extra-keys';
import { ExtraKeys } from './ExtraKeys';

/** Phones and other touch screens (and narrow windows): where the on-screen keyboard lacks keys. */
const TOUCH = '(pointer: coarse), (max-width: 760px)';

export interface TerminalHandle {
  focus(): void;
  copy(): Promise<boolean>;
  paste(): Promise<void>;
  findNext(query: string): boolean;
  findPrevious(query: string): boolean;
  clearSearch(): void;
  reconnect(): void;
  heartbeat(active: boolean): void;
}

/** One terminal window: xterm.js fitted to its pane, wired to the room's WebSocket for that window. */
export function TerminalView(props: {
  workspaceId: string;
  windowId: string;
  /** The Setup window: its end is the setup's, and it stays open as the log. */
  setup?: boolean;
  sessionId: () => string | null;
  active: boolean;
  onConnection: (info: ConnectionInfo) => void;
  onMessage: (msg: ServerMessage) => void;
  onClose: () => void;
  onSearchRequest: () => void;
  handle: (h: TerminalHandle) => void;
}) {
  let container!: HTMLDivElement;
  // Links to the VM's own localhost (a dev server's "ready at http://localhost:5173") open its preview.
  let preview: Awaited<ReturnType<typeof fetchPreviewConfig>>;
  void fetchPreviewConfig().then((p) => (preview = p));
  const { term, fit, search } = createXterm(
    (uri) => localLinkToPreview(uri, props.workspaceId, preview) ?? uri,
  );
  const [exited, setExited] = createSignal<number | null | undefined>(undefined);
  const [focused, setFocused] = createSignal(false);
  const [touch, setTouch] = createSignal(false);
  const [mods, setMods] = createSignal<Modifiers>({ ctrl: false, alt: false });
  /** Typed input goes out under the sticky modifiers, which then let go. */
  const typed = (data: string) => {
    const m = mods();
    if (m.ctrl || m.alt) setMods({ ctrl: false, alt: false });
    conn.sendInput(applyModifiers(data, m));
  };
  const extraKey = (k: ExtraKey) => {
    const m = mods();
    setMods({ ctrl: false, alt: false });
    conn.sendInput(extraKeyData(k, m, term.modes.applicationCursorKeysMode));
  };
  let serverSize: { cols: number; rows: number } | undefined;
  let sentSize = '';
  let unacked = 0;
  let writesInFlight = 0;

  const proposed = () => {
    const dims = fit.proposeDimensions();
    return dims && dims.cols > 0 && dims.rows > 0 ? dims : { cols: term.cols, rows: term.rows };
  };

  const conn = new TerminalConnection({
    workspaceId: props.workspaceId,
    windowId: props.windowId,
    sessionId: () => props.sessionId(),
    size: proposed,
    onOutput: (bytes) => {
      // Flow control: acknowledge what xterm.js has actually rendered, every ACK_EVERY_BYTES and
      // whenever it has drained, so the room never sends a slow viewer more than it can take.
      writesInFlight++;
      term.write(bytes, () => {
        writesInFlight--;
        unacked += bytes.length;
        if (unacked >= ACK_EVERY_BYTES || writesInFlight === 0) {
          conn.ack(unacked);
          unacked = 0;
        }
      });
    },
    onMessage: (msg) => {
      if (msg.type === 'screen') {
        // The exact current screen and scrollback: replace everything with it.
        term.reset();
        serverSize = { cols: msg.cols, rows: msg.rows };
        layout();
        term.write(msg.data);
        setExited(undefined);
      } else if (msg.type === 'size') {
        serverSize = { cols: msg.cols, rows: msg.rows };
        layout();
      } else if (msg.type === 'exited') {
        setExited(msg.exitCode);
      }
      props.onMessage(msg);
    },
    onState: (info) => {
      if (info.state === 'open') {
        sentSize = '';
        unacked = 0;
        writesInFlight = 0;
      }
      if (info.state === 'ended' && info.closeCode === CloseCode.shellExited && exited() === undefined)
        setExited(null);
      props.onConnection(info);
    },
  });

  /** Fit to the pane; render at most the size the room runs the shell at (the smallest viewer's). */
  function layout() {
    if (!container || container.offsetWidth === 0 || container.offsetHeight === 0) return;
    const mine = proposed();
    const cols = serverSize ? Math.min(mine.cols, serverSize.cols) : mine.cols;
    const rows = serverSize ? Math.min(mine.rows, serverSize.rows) : mine.rows;
    if (cols !== term.cols || rows !== term.rows) term.resize(cols, rows);
    const key = `${mine.cols}x${mine.rows}`;
    if (key !== sentSize && conn.isOpen) {
      sentSize = key;
      conn.resize(mine.cols, mine.rows);
    }
  }

  onMount(() => {
    term.open(container);
    layout();
    term.onData(typed);
    // The key row shows while the terminal has the focus on a touch screen. A blur is taken late, so
    // a tap that moves the focus back and forth does not flicker the row away.
    const media = window.matchMedia(TOUCH);
    setTouch(media.matches);
    const onMedia = () => setTouch(media.matches);
    media.addEventListener('change', onMedia);
    let blurTimer: ReturnType<typeof setTimeout> | undefined;
    const textarea = term.textarea;
    const onFocus = () => {
      clearTimeout(blurTimer);
      setFocused(true);
    };
    const onBlur = () => {
      clearTimeout(blurTimer);
      blurTimer = setTimeout(() => setFocused(false), 150);
    };
    textarea?.addEventListener('focus', onFocus);
    textarea?.addEventListener('blur', onBlur);
    onCleanup(() => {
      media.removeEventListener('change', onMedia);
      clearTimeout(blurTimer);
      textarea?.removeEventListener('focus', onFocus);
      textarea?.removeEventListener('blur', onBlur);
    });
    term.onBinary((data) => conn.sendInput(Uint8Array.from(data, (c) => c.charCodeAt(0))));
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown') return true;
      const mod = e.ctrlKey && e.shiftKey;
      if (mod && e.code === 'KeyC') {
        void handle.copy();
        return false;
      }
      if (mod && e.code === 'KeyV') {
        void handle.paste();
        return false;
      }
      if ((mod && e.code === 'KeyF') || (e.metaKey && e.code === 'KeyF')) {
        props.onSearchRequest();
        return false;
      }
      return true;
    });
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(layout);
    });
    observer.observe(container);
    onCleanup(() => {
      observer.disconnect();
      cancelAnimationFrame(frame);
    });
  });

  const handle: TerminalHandle = {
    focus: () => term.focus(),
    async copy() {
      const text = term.getSelection();
      if (!text) return false;
      await copyText(text);
      return true;
    },
    async paste() {
      const text = await readClipboard();
      if (text) term.paste(text);
      term.focus();
    },
    findNext: (q) => search.findNext(q, { decorations: SEARCH_DECORATIONS, incremental: true }),
    findPrevious: (q) => search.findPrevious(q, { decorations: SEARCH_DECORATIONS }),
    clearSearch: () => search.clearDecorations(),
    reconnect: () => conn.reconnect(),
    heartbeat: (active) => conn.heartbeat(active),
  };
  props.handle(handle);

  createEffect(
    on(
      () => props.active,
      (active) => {
        if (!active) return;
        requestAnimationFrame(() => {
          layout();
          term.focus();
        });
      },
    ),
  );

  onCleanup(() => {
    conn.dispose();
    term.dispose();
  });

  return (
    <div
      class="terminal-view"
      classList={{ 'terminal-view-hidden': !props.active }}
      data-window-id={props.windowId}
    >
      <Show when={touch() && focused() && props.active}>
        <ExtraKeys
          modifiers={mods()}
          onToggle={(m) => setMods({ ...mods(), [m]: !mods()[m] })}
          onKey={extraKey}
        />
      </Show>
      <div class="terminal-host" ref={container} data-testid="terminal" />
      <Show when={exited() !== undefined}>
        <div class="terminal-exited">
          <Show
            when={!props.setup}
            fallback={
              <span data-testid="setup-ended">
                {exited() === 0
                  ? 'Setup finished.'
                  : `Setup ended${typeof exited() === 'number' ? ` with exit ${exited()}` : ''}.`}{' '}
                This tab keeps its log.
              </span>
            }
          >
            <span>The shell exited{typeof exited() === 'number' ? ` with code ${exited()}` : ''}.</span>
            <Button size="sm" variant="secondary" onClick={() => props.onClose()}>
              Close tab
            </Button>
          </Show>
        </div>
      </Show>
    </div>
  );
}
