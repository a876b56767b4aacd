import type { ApiKey } from '../../../core/api/api-keys';
import { Button } from '../components/Button';
import { Icon } from '../components/Icon';
import { RelativeTime } from '../components/RelativeTime';

export function ApiKeyRow(props: { apiKey: ApiKey; onRevoke: () => void }) {
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
            Created <RelativeTime value={props.apiKey.createdAt} />
          </span>
          <span>
            Last used <RelativeTime value={props.apiKey.lastRequest} />
          </span>
        </div>
      </div>
      <Button size="sm" variant="danger-ghost" onClick={() => props.onRevoke()}>
        Revoke
      </Button>
    </li>
  );
}
