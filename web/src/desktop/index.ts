// Desktop-only UI (renders nothing in a browser), mounted on the workspace page and as the deep-link route.
export { desktopBridge, isDesktopApp } from './bridge';
export { DesktopWorkspacePanel } from './DesktopWorkspacePanel';
export { WorkspaceLinkRedirect } from './WorkspaceLinkRedirect';
