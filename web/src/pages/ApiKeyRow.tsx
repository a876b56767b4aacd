import type { ApiKey } from '../../../core/api/api-keys';
import { Button } from '../components/Button';
import { Icon } from '../components/Icon';
import { RelativeTime } from '../components/RelativeTime';

const PERMISSION_LABEL = { read: 'read only', exec: 'runs commands', admin: 'admin' } as const;

export function ApiKeyRow(props: { apiKey: ApiKey; organizationName: string | null; onRevoke: () => void }) {
  const permission = () => {
    const p = props.apiKey.permissions;
    return PERMISSION_LABEL[p.includes('admin') ? 'admin' : p.includes('exec') ? 'exec' : 'read'];
  };
  return (
    <li class="list-item" data-testid="api-key-row">
      <span class="repo-icon">
        <Icon name="key" />
      </span>
      <div class="list-item-main">
        <div class="list-item-title truncate">{props.apiKey.name ?? 'Unnamed key'}</div>
        <div class="list-item-meta">
          <span class="mono">{props.apiKey.start ?? ''}…</span>
          <span>
            {props.organizationName ?? 'no organization'} · {permission()}
          </span>
          <span>
            Created <RelativeTime value={props.apiKey.createdAt} />
          </span>
          <span>
            Last used <RelativeTime value={props.apiKey.lastRequest} />
          </span>
          <span>
            {props.apiKey.expiresAt
              ? `Expires ${new Date(props.apiKey.expiresAt).toLocaleDateString()}`
              : 'Never expires'}
          </span>
        </div>
      </div>
      <Button size="sm" variant="danger-ghost" onClick={() => props.onRevoke()}>
        Revoke
      </Button>
    </li>
  );
}
