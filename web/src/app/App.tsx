import { lazy } from 'solid-js';
import { Router, Route } from '@solidjs/router';
import { RootLayout } from '../layout/RootLayout';
import { RequireAuth } from '../layout/RequireAuth';
import { OrgLayout } from '../layout/OrgLayout';
import { SignInPage } from '../pages/SignInPage';
import { SignUpPage } from '../pages/SignUpPage';
import { InvitePage } from '../pages/InvitePage';
import { HomeRedirect } from '../pages/HomeRedirect';
import { NewOrgPage } from '../pages/NewOrgPage';
import { ApiKeysPage } from '../pages/ApiKeysPage';
import { CliLoginPage } from '../pages/CliLoginPage';
import { WorkspacesPage } from '../pages/WorkspacesPage';
import { RepositorySettingsPage } from '../pages/RepositorySettingsPage';
import { RepositoriesPage } from '../pages/RepositoriesPage';
import { MembersPage } from '../pages/MembersPage';
import { UsagePage } from '../pages/UsagePage';
import { AuditPage } from '../pages/AuditPage';
import { OrgSecretsPage } from '../pages/OrgSecretsPage';
import { PersonalSecretsPage } from '../pages/PersonalSecretsPage';
import { OrgIndexRedirect } from '../pages/OrgIndexRedirect';
import { NotFoundPage } from '../pages/NotFoundPage';
import { WorkspaceLinkRedirect } from '../desktop';

// The workspace page carries xterm.js: loaded on first use so sign-in and lists stay light.
const WorkspacePage = lazy(() =>
  import('../workspace/WorkspacePage').then((m) => ({ default: m.WorkspacePage })),
);

export function App() {
  return (
    <Router root={RootLayout}>
      <Route path="/sign-in" component={SignInPage} />
      <Route path="/sign-up" component={SignUpPage} />
      <Route path="/invite/:id" component={InvitePage} />
      <Route path="/" component={RequireAuth}>
        <Route path="/" component={HomeRedirect} />
        <Route path="/new-org" component={NewOrgPage} />
        <Route path="/settings/api-keys" component={ApiKeysPage} />
        <Route path="/settings/secrets" component={PersonalSecretsPage} />
        <Route path="/cli-login" component={CliLoginPage} />
        <Route path="/workspaces/:id" component={WorkspaceLinkRedirect} />
        <Route path="/o/:org" component={OrgLayout}>
          <Route path="/" component={OrgIndexRedirect} />
          <Route path="/workspaces" component={WorkspacesPage} />
          <Route path="/workspaces/:id" component={WorkspacePage} />
          <Route path="/repositories" component={RepositoriesPage} />
          <Route path="/repositories/:id" component={RepositorySettingsPage} />
          <Route path="/members" component={MembersPage} />
          <Route path="/usage" component={UsagePage} />
          <Route path="/audit" component={AuditPage} />
          <Route path="/secrets" component={OrgSecretsPage} />
        </Route>
        <Route path="*" component={() => <NotFoundPage />} />
      </Route>
    </Router>
  );
}
