import { createResource, Show } from 'solid-js';
import type { Workspace } from '../../../core/api/workspaces';
import { errorMessage } from '../api/http';
import { workspaces } from '../api/workspaces';
import { Alert } from '../components/Alert';
import { CopyButton } from '../components/CopyButton';
import { Dialog } from '../components/Dialog';
import { Spinner } from '../components/Spinner';

function Line(props: { label: string; value: string; testId?: string }) {
  return (
    <div class="secret-row">
      <span class="secret-value" data-testid={props.testId} title={props.value}>
        {props.value}
      </span>
      <CopyButton value={props.value} label={props.label} />
    </div>
  );
}

/** SSH, VS Code and the CLI for one workspace. Opening it mints a 1 h token (and resumes a paused one). */
export function ConnectDialog(props: { workspace: Workspace; open: boolean; onClose: () => void }) {
  const [access] = createResource(
    () => (props.open ? props.workspace.id : undefined),
    (id) => workspaces.ssh(id),
  );
  const origin = location.origin;
  const name = () =>
    /^[\w./-]+$/.test(props.workspace.name) ? props.workspace.name : `'${props.workspace.name}'`;
  return (
    <Dialog open={props.open} title="Connect" onClose={props.onClose} width={560}>
      <div class="stack connect" style={{ gap: '16px' }}>
        <Show when={!access.error} fallback={<Alert tone="error">{errorMessage(access.error)}</Alert>}>
          <Show when={access()} fallback={<Spinner />}>
            {(a) => (
              <>
                <section class="stack" style={{ gap: '6px' }}>
                  <div class="section-title">SSH</div>
                  <Line label="SSH command" value={a().command} testId="ssh-command" />
                  <span class="field-hint">
                    Valid until {new Date(a().expiresAt).toLocaleTimeString()}; stopping the workspace revokes
                    it.
                  </span>
                </section>
                <section class="stack" style={{ gap: '6px' }}>
                  <div class="section-title">VS Code (Remote-SSH)</div>
                  <a
                    class="btn btn-primary btn-sm"
                    href={`vscode://vscode-remote/ssh-remote+${a().hostAlias}/workspace`}
                    data-testid="open-vscode"
                  >
                    Open in VS Code
                  </a>
                  <span class="field-hint">
                    Needs host <span class="mono">{a().hostAlias}</span> in ~/.ssh/config:{' '}
                    <span class="mono">npx cw code {name()}</span> adds it, or paste this block.
                  </span>
                  <div class="secret-row">
                    <pre class="secret-value connect-config">{a().sshConfig}</pre>
                    <CopyButton value={a().sshConfig} label="SSH config" />
                  </div>
                </section>
              </>
            )}
          </Show>
        </Show>
        <section class="stack" style={{ gap: '6px' }}>
          <div class="section-title">Command line (cw)</div>
          <span class="field-hint">In a checkout of Cloud Workspaces, with an API key from Settings:</span>
          <Line label="login command" value={`npx cw login --url ${origin}`} />
          <Line label="ssh command" value={`npx cw ssh ${name()}`} />
        </section>
      </div>
    </Dialog>
  );
}
