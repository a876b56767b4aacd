import type { ParentProps } from 'solid-js';
import { AppStateProvider } from '../state/session';

export function RootLayout(props: ParentProps) {
  return <AppStateProvider>{props.children}</AppStateProvider>;
}
