// Desktop-only UI. Mount points (one line each):
// - workspace page, in `.ws-banners`: <DesktopWorkspacePanel workspace={w()} />
// - routes, inside the authenticated <Route path="/">: <Route path="/workspaces/:id" component={WorkspaceLinkRedirect} />
export { desktopBridge, isDesktopApp } from './bridge';
export { DesktopWorkspacePanel } from './DesktopWorkspacePanel';
export { WorkspaceLinkRedirect } from './WorkspaceLinkRedirect';
