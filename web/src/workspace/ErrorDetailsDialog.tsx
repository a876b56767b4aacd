import type { Workspace } from '../../../core/api/workspaces';
import { Dialog } from '../components/Dialog';
import { CopyButton } from '../components/CopyButton';

export function ErrorDetailsDialog(props: {
  open: boolean;
  workspace: Workspace;
  repositoryName?: string;
  onClose: () => void;
}) {
  const details = () =>
    [
      `Workspace: ${props.workspace.name} (${props.workspace.id})`,
      `Repository: ${props.repositoryName ?? props.workspace.repositoryId}`,
      `Branch: ${props.workspace.branch}`,
      `Status: ${props.workspace.status}`,
      `Attempts: ${props.workspace.provisionAttempts ?? 'n/a'}`,
      `Since: ${new Date(props.workspace.statusChangedAt ?? props.workspace.updatedAt).toLocaleString()}`,
      '',
      props.workspace.statusMessage ?? '(no message)',
    ].join('\n');
  return (
    <Dialog
      open={props.open}
      title="Error details"
      onClose={() => props.onClose()}
      width={560}
      footer={<CopyButton value={details()} label="error details" />}
    >
      <pre class="details-pre" data-testid="error-details">
        {details()}
      </pre>
    </Dialog>
  );
}
