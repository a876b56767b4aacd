import type { AuditEvent } from '../../../core/api/organizations';
import { RelativeTime } from '../components/RelativeTime';

const ACTIONS: Record<string, string> = {
  create: 'created',
  provisioned: 'finished setting up',
  provision_failed: 'failed to set up',
  pause: 'paused',
  idle_pause: 'paused (idle)',
  resume: 'resumed',
  stop: 'stopped',
  idle_stop: 'stopped (paused 24 h)',
  start: 'started',
  retry: 'retried',
  delete: 'deleted',
  pull: 'pulled',
  reconciled: 'repaired to match its VM',
  out_of_memory: 'saw a process killed for lack of memory in',
  disk_warning: 'warned that the disk is 90% full in',
  disk_full: 'saw the disk fill up in',
};

/** One line of the audit trail: who did what to which workspace, and when. */
export function AuditRow(props: { event: AuditEvent }) {
  const who = () =>
    props.event.actorType === 'system'
      ? 'The system'
      : `${props.event.actorName ?? 'A deleted user'}${props.event.actorType === 'api_key' ? ' (API key)' : ''}`;
  const what = () =>
    props.event.action === 'reconciled' && props.event.detail?.code === 'vm_crashed'
      ? 'recorded a crash of the VM of'
      : (ACTIONS[props.event.action] ?? props.event.action.replace(/_/g, ' '));
  return (
    <li class="list-item audit-row">
      <div class="list-item-main">
        <div class="list-item-title">
          {who()} {what()} <strong>{props.event.workspaceName ?? 'a deleted workspace'}</strong>
        </div>
        <div class="list-item-meta">
          <RelativeTime value={props.event.createdAt} />
        </div>
      </div>
    </li>
  );
}
