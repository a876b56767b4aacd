import { createSignal, Show } from 'solid-js';
import { A } from '@solidjs/router';
import type { Repository } from '../../../core/api/repositories';
import { Button } from '../components/Button';
import { CopyButton } from '../components/CopyButton';
import { Icon } from '../components/Icon';
import { RelativeTime } from '../components/RelativeTime';
import { RepositorySecrets } from './RepositorySecrets';

/** `onRemove` only for those who may manage repositories; the webhook secret only when the API sent it. */
export function RepositoryCard(props: {
  repository: Repository;
  onRemove?: () => void;
  settingsHref?: string;
}) {
  const [showWebhook, setShowWebhook] = createSignal(false);
  const [showSecrets, setShowSecrets] = createSignal(false);
  return (
    <article class="card" data-testid="repository-card">
      <div class="card-section repo-head">
        <span class="repo-icon">
          <Icon name={props.repository.fullName ? 'github' : 'repo'} />
        </span>
        <div class="list-item-main">
          <div class="list-item-title truncate">{props.repository.fullName ?? props.repository.name}</div>
          <div class="list-item-meta">
            <span class="truncate mono">{props.repository.url}</span>
            <span class="row" style={{ gap: '4px' }}>
              <Icon name="branch" size={12} />
              {props.repository.defaultBranch}
            </span>
            <span>
              Added <RelativeTime value={props.repository.createdAt} />
            </span>
          </div>
        </div>
        <div class="row repo-actions">
          <Button
            size="sm"
            variant="ghost"
            onClick={() => setShowSecrets(!showSecrets())}
            aria-expanded={showSecrets()}
          >
            Secrets
          </Button>
          <Button
            size="sm"
            variant="ghost"
            onClick={() => setShowWebhook(!showWebhook())}
            aria-expanded={showWebhook()}
          >
            Webhook
          </Button>
          <Show when={props.settingsHref}>
            {(href) => (
              <A class="btn btn-ghost btn-sm" href={href()}>
                Settings
              </A>
            )}
          </Show>
          <Show when={props.onRemove}>
            {(remove) => (
              <Button
                size="sm"
                variant="danger-ghost"
                onClick={() => remove()()}
                aria-label={`Remove ${props.repository.name}`}
              >
                <Icon name="trash" />
              </Button>
            )}
          </Show>
        </div>
      </div>
      <Show when={showSecrets()}>
        <div class="card-section">
          <RepositorySecrets repositoryId={props.repository.id} />
        </div>
      </Show>
      <Show when={showWebhook()}>
        <WebhookDetails repository={props.repository} />
      </Show>
    </article>
  );
}

/** The webhook's URL and, for those who may see it, its secret. */
export function WebhookDetails(props: { repository: Repository }) {
  const [revealed, setRevealed] = createSignal(false);
  const masked = () => '•'.repeat(24);
  return (
    <div class="card-section stack webhook">
      <p class="muted">
        In GitHub: Settings → Webhooks → Add webhook. Content type <code>application/json</code>, events:
        "Just the push event".
      </p>
      <div class="field">
        <span class="field-label">Payload URL</span>
        <div class="secret-row">
          <span class="secret-value" data-testid="webhook-url">
            {props.repository.webhookUrl}
          </span>
          <CopyButton value={props.repository.webhookUrl} label="webhook URL" />
        </div>
      </div>
      <Show when={props.repository.webhookSecret}>
        {(secret) => (
          <div class="field">
            <span class="field-label">Secret</span>
            <div class="secret-row">
              <span class="secret-value" data-testid="webhook-secret">
                {revealed() ? secret() : masked()}
              </span>
              <Button size="sm" variant="ghost" onClick={() => setRevealed(!revealed())}>
                {revealed() ? 'Hide' : 'Show'}
              </Button>
              <CopyButton value={secret()} label="webhook secret" />
            </div>
          </div>
        )}
      </Show>
    </div>
  );
}
