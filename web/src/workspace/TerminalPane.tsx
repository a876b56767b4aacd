import { createEffect, createMemo, createSignal, For, Match, on, Show, Switch } from 'solid-js';
import { useSearchParams } from '@solidjs/router';
import { terminals } from '../api/workspaces';
import { ApiError, errorMessage } from '../api/http';
import type { TerminalWindow } from '../../../core/api/terminals';
import type { ConnectionInfo } from '../terminal/connection';
import { CloseCode, type ServerMessage } from '../terminal/protocol';
import { Spinner } from '../components/Spinner';
import { Icon } from '../components/Icon';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { TerminalTabs } from './TerminalTabs';
import { TerminalView, type TerminalHandle } from './TerminalView';
import { TerminalSearchBar } from './TerminalSearchBar';

type Load = { state: 'idle' | 'loading' | 'ready' } | { state: 'unavailable' | 'error'; message: string };

/** Terminal tabs of a running workspace; every tab keeps its own connection, only the selected one shows. */
export function TerminalPane(props: {
  workspaceId: string;
  sessionId: () => string | null;
  enabled: boolean;
  /** Open a first terminal when there is none besides the Setup window (false while provisioning). */
  autoCreate?: boolean;
  onConnection: (info: ConnectionInfo | undefined) => void;
  onMessage: (msg: ServerMessage) => void;
  activeHandle: (h: TerminalHandle | undefined) => void;
}) {
  const [params, setParams] = useSearchParams<{ tab?: string }>();
  const [windows, setWindows] = createSignal<TerminalWindow[]>([]);
  const [load, setLoad] = createSignal<Load>({ state: 'idle' });
  const [creating, setCreating] = createSignal(false);
  const [closing, setClosing] = createSignal<TerminalWindow | null>(null);
  const [searching, setSearching] = createSignal(false);
  const [copied, setCopied] = createSignal(false);
  const handles = new Map<string, TerminalHandle>();
  let autoCreated = false;
  const infos = new Map<string, ConnectionInfo>();

  const selected = () => {
    const list = windows();
    return list.find((w) => w.windowId === params.tab)?.windowId ?? list[0]?.windowId;
  };
  const active = () => {
    const id = selected();
    return id ? handles.get(id) : undefined;
  };
  const select = (id: string) => setParams({ tab: id }, { replace: true });

  /** `auto`: the shell made unasked when the workspace runs, which must not take a tab one picked. */
  const create = async (auto = false) => {
    setCreating(true);
    const asked = params.tab;
    try {
      const w = await terminals.create(
        props.workspaceId,
        `Terminal ${windows().filter((x) => x.kind !== 'setup').length + 1}`,
      );
      setWindows((l) => (l.some((x) => x.windowId === w.windowId) ? l : [...l, w]));
      // A tab picked while the window was made (View log of a failed setup) keeps the screen.
      const picked = auto ? windows().some((x) => x.windowId === params.tab) : params.tab !== asked;
      if (!picked || params.tab === w.windowId) select(w.windowId);
    } catch (err) {
      setLoad({ state: 'error', message: errorMessage(err) });
    } finally {
      setCreating(false);
    }
  };

  // A memo, so a refetched workspace that is still running does not reload the windows.
  const enabled = createMemo(() => props.enabled);
  createEffect(
    on(enabled, async (enabled) => {
      if (!enabled) {
        setWindows([]);
        setLoad({ state: 'idle' });
        props.onConnection(undefined);
        return;
      }
      setLoad({ state: 'loading' });
      try {
        const list = await terminals.list(props.workspaceId);
        // Decided here, before `ready` wakes the effect below, so one first terminal is made, not two.
        if (props.autoCreate !== false) autoCreated = true;
        setWindows(list);
        setLoad({ state: 'ready' });
        if (props.autoCreate !== false && !list.some((w) => w.kind !== 'setup')) await create(true);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404 && err.message.startsWith('No route'))
          setLoad({
            state: 'unavailable',
            message: 'Terminals are not available on this server yet. Use the command runner meanwhile.',
          });
        else setLoad({ state: 'error', message: errorMessage(err) });
      }
    }),
  );

  // Provisioning ended while the Setup window was watched: a shell of one's own next to it (once).
  createEffect(() => {
    if (!props.autoCreate || autoCreated || load().state !== 'ready' || creating()) return;
    autoCreated = true;
    if (!windows().some((w) => w.kind !== 'setup')) void create(true);
  });

  createEffect(() => {
    const id = selected();
    props.activeHandle(id ? handles.get(id) : undefined);
    props.onConnection(id ? infos.get(id) : undefined);
  });

  const rename = async (windowId: string, name: string) => {
    const before = windows();
    setWindows((l) => l.map((w) => (w.windowId === windowId ? { ...w, name } : w)));
    try {
      await terminals.rename(props.workspaceId, windowId, name);
    } catch (err) {
      setWindows(before);
      setLoad({ state: 'error', message: errorMessage(err) });
    }
  };

  /** Another device created, renamed or closed a window: take the room's list, keep what we know. */
  const applyWindows = (list: { windowId: string; name: string; createdAt: number; kind?: 'setup' }[]) => {
    const known = new Map(windows().map((w) => [w.windowId, w]));
    setWindows(list.map((w) => ({ ...known.get(w.windowId), ...w }) as TerminalWindow));
    for (const id of known.keys()) {
      if (!list.some((w) => w.windowId === id)) {
        handles.delete(id);
        infos.delete(id);
      }
    }
  };

  const close = async (w: TerminalWindow) => {
    await terminals.close(props.workspaceId, w.windowId);
    const rest = windows().filter((x) => x.windowId !== w.windowId);
    setWindows(rest);
    handles.delete(w.windowId);
    infos.delete(w.windowId);
    if (selected() === undefined && rest[0]) select(rest[0].windowId);
  };

  const copy = async () => {
    if (await active()?.copy()) {
      setCopied(true);
      setTimeout(() => setCopied(false), 1200);
    }
  };

  return (
    <section class="term-pane" aria-label="Terminals">
      <div class="term-bar">
        <TerminalTabs
          windows={windows()}
          selected={selected()}
          creating={creating()}
          onSelect={select}
          onNew={() => void create()}
          onRename={(id, name) => void rename(id, name)}
          onClose={(id) => setClosing(windows().find((w) => w.windowId === id) ?? null)}
        />
        <div class="term-tools">
          <button
            class="tab-icon"
            title="Copy selection (Ctrl+Shift+C)"
            aria-label="Copy selection"
            onClick={() => void copy()}
          >
            <Icon name={copied() ? 'check' : 'copy'} size={14} />
          </button>
          <button
            class="tab-icon"
            title="Paste (Ctrl+Shift+V)"
            aria-label="Paste"
            onClick={() => void active()?.paste()}
          >
            <Icon name="paste" size={14} />
          </button>
          <button
            class="tab-icon"
            title="Search (Ctrl+Shift+F)"
            aria-label="Search"
            onClick={() => setSearching(!searching())}
          >
            <Icon name="search" size={14} />
          </button>
        </div>
      </div>
      <Show when={searching()}>
        <TerminalSearchBar
          onNext={(q) => active()?.findNext(q) ?? false}
          onPrevious={(q) => active()?.findPrevious(q) ?? false}
          onClose={() => {
            active()?.clearSearch();
            setSearching(false);
            active()?.focus();
          }}
        />
      </Show>
      <div class="term-body">
        <Switch>
          <Match when={load().state === 'loading' && windows().length === 0}>
            <div class="term-placeholder">
              <Spinner /> Opening terminal…
            </div>
          </Match>
          <Match when={load().state === 'unavailable' || load().state === 'error'}>
            <div class="term-placeholder" role="status">
              {(load() as { message: string }).message}
            </div>
          </Match>
          <Match when={load().state === 'ready' && windows().length === 0 && !creating()}>
            <div class="term-placeholder">
              <button class="btn btn-secondary btn-sm" onClick={() => void create()}>
                Open a terminal
              </button>
            </div>
          </Match>
        </Switch>
        <For each={windows()}>
          {(w) => (
            <TerminalView
              workspaceId={props.workspaceId}
              windowId={w.windowId}
              sessionId={props.sessionId}
              active={w.windowId === selected()}
              handle={(h) => {
                handles.set(w.windowId, h);
                if (w.windowId === selected()) props.activeHandle(h);
              }}
              setup={w.kind === 'setup'}
              onConnection={(raw) => {
                // A finished setup is not a lost connection: its window says it finished.
                const info =
                  w.kind === 'setup' && raw.state === 'ended' && raw.closeCode === CloseCode.shellExited
                    ? { ...raw, reason: undefined }
                    : raw;
                infos.set(w.windowId, info);
                if (w.windowId === selected()) props.onConnection(info);
              }}
              onMessage={(msg) => {
                if (msg.type === 'windows') applyWindows(msg.windows);
                props.onMessage(msg);
              }}
              onSearchRequest={() => setSearching(true)}
              onClose={() => setClosing(w)}
            />
          )}
        </For>
      </div>
      <ConfirmDialog
        open={!!closing()}
        title="Close terminal"
        confirmLabel="Close terminal"
        destructive
        onClose={() => {
          setClosing(null);
          active()?.focus();
        }}
        onConfirm={() => close(closing()!)}
      >
        Closing <strong>{closing()?.name}</strong> ends its shell and anything running in it, for everyone
        viewing it.
      </ConfirmDialog>
    </section>
  );
}
