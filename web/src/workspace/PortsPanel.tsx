import { createSignal, For, Show } from 'solid-js';
import type { PortInfo, PortVisibility } from '../../../core/api/ports';
import { ports as portsApi } from '../api/workspaces';
import { errorMessage } from '../api/http';
import { CopyButton } from '../components/CopyButton';
import { Icon } from '../components/Icon';

/**
 * The workspace's ports, live (the room pushes `ports`): the listening ones and devcontainer.json's
 * `forwardPorts` (shown before they listen), each with its label and process, whether it is private
 * (members of the organization) or public (anyone with the URL), and its preview URL.
 */
export function PortsPanel(props: {
  workspaceId: string;
  ports: PortInfo[];
  running: boolean;
  onChanged: (port: PortInfo) => void;
}) {
  const [busy, setBusy] = createSignal<number | null>(null);
  const [error, setError] = createSignal<string | null>(null);

  const toggle = async (p: PortInfo) => {
    const next: PortVisibility = p.visibility === 'public' ? 'private' : 'public';
    setBusy(p.port);
    setError(null);
    try {
      props.onChanged(await portsApi.setVisibility(props.workspaceId, p.port, next));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <section class="ports" aria-label="Ports">
      <header class="ports-head">
        <span class="ports-title">Ports</span>
        <span class="ports-count">{props.ports.length || ''}</span>
      </header>
      <Show when={error()}>
        <div class="ports-error" role="alert">
          {error()}
        </div>
      </Show>
      <Show
        when={props.ports.length > 0}
        fallback={
          <p class="ports-empty">
            {props.running
              ? 'No server is listening yet. Start one (npm run dev) and it shows up here.'
              : 'Ports show once the workspace is running.'}
          </p>
        }
      >
        <ul class="ports-list">
          <For each={props.ports}>
            {(p) => (
              <li class="port" classList={{ 'port-waiting': !p.listening }} data-port={p.port}>
                <div class="port-main">
                  <span class="port-number">{p.port}</span>
                  <span class="port-name" title={[p.label, p.process].filter(Boolean).join(' · ')}>
                    {p.label ?? p.process ?? '—'}
                    <Show when={p.label && p.process}>
                      <span class="port-process">{p.process}</span>
                    </Show>
                  </span>
                  <Show when={!p.listening}>
                    <span
                      class="port-state"
                      title="Forwarded in devcontainer.json or its visibility set; nothing listens on it now. Its URL works once a server starts."
                    >
                      Not listening
                    </span>
                  </Show>
                  <button
                    type="button"
                    class="port-visibility"
                    classList={{ 'port-public': p.visibility === 'public' }}
                    onClick={() => void toggle(p)}
                    disabled={busy() === p.port}
                    aria-label={`Port ${p.port} is ${p.visibility}; make it ${p.visibility === 'public' ? 'private' : 'public'}`}
                    title={
                      p.visibility === 'public'
                        ? 'Public: anyone with the URL. Click to make private.'
                        : 'Private: members of the organization. Click to make public.'
                    }
                  >
                    <Icon name={p.visibility === 'public' ? 'globe' : 'lock'} size={12} />
                    {p.visibility === 'public' ? 'Public' : 'Private'}
                  </button>
                </div>
                <div class="port-actions">
                  <a class="btn btn-secondary btn-sm" href={p.url} target="_blank" rel="noopener noreferrer">
                    <Icon name="external" size={13} />
                    <span class="btn-label">Open</span>
                  </a>
                  <CopyButton value={p.url} label={`URL of port ${p.port}`} />
                  <span class="port-url" title={p.url}>
                    {p.url.replace(/^https?:\/\//, '')}
                  </span>
                </div>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}
