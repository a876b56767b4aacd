import type { ParentProps } from 'solid-js';
import { AppStateProvider } from '../state/session';
import { UnreachableBanner } from './UnreachableBanner';

export function RootLayout(props: ParentProps) {
  return (
    <AppStateProvider>
      <UnreachableBanner />
      {props.children}
    </AppStateProvider>
  );
}
