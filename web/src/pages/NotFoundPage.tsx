import { A } from '@solidjs/router';
import { EmptyState } from '../components/EmptyState';
import { Icon } from '../components/Icon';

export function NotFoundPage(props: { message?: string }) {
  return (
    <div class="page">
      <EmptyState
        icon={<Icon name="alert" />}
        title="Not found"
        action={<A href="/">Go to your workspaces</A>}
      >
        {props.message ?? 'There is nothing at this address.'}
      </EmptyState>
    </div>
  );
}
