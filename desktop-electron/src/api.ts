import { followCursors, PAGE_MAX } from '../../core/api/page';
import { hostname } from 'node:os';
import type { CreatedApiKey } from '../../core/api/api-keys';
import type { AuthSession, Organization } from '../../core/api/auth';
import type { Repository, RepositoryListResponse } from '../../core/api/repositories';
import type { OpenSessionResponse } from '../../core/api/sessions';
import type { PullResponse, Workspace, WorkspaceDetailResponse } from '../../core/api/workspaces';
import type { CredentialStore } from './credentials';

export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A fetch that carries the window's session cookies (Electron: `session.fetch` with credentials). */
export type SessionFetch = (url: string, init?: RequestInit) => Promise<Response>;

async function readError(res: Response): Promise<ApiCallError> {
  let body: any = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  const err = body?.error;
  const message =
    typeof err?.message === 'string'
      ? err.message
      : typeof body?.message === 'string'
        ? body.message
        : `HTTP ${res.status}`;
  return new ApiCallError(res.status, String(err?.code ?? body?.code ?? 'http_error'), message);
}

/**
 * The bridge's client of the API. Its own calls use a Bearer API key it creates once, through the
 * window's signed-in cookie session, and keeps in the CredentialStore; the key follows the signed-in
 * user (another user signs in: the old key is revoked and a new one made).
 */
export class DesktopApi {
  constructor(
    private readonly opts: {
      serverOrigin: string;
      store: CredentialStore;
      sessionFetch: SessionFetch;
      fetch?: typeof fetch;
      keyName?: string;
    },
  ) {}

  private get fetch() {
    return this.opts.fetch ?? fetch;
  }

  private url(path: string) {
    return this.opts.serverOrigin + path;
  }

  /** The user signed in in the window, or null. */
  async currentUserId(): Promise<string | null> {
    return (await this.currentSession())?.user?.id ?? null;
  }

  private async currentSession(): Promise<AuthSession | null> {
    const res = await this.opts.sessionFetch(this.url('/api/auth/get-session'), {
      headers: { origin: this.opts.serverOrigin },
      credentials: 'include',
    });
    if (!res.ok) return null;
    return (await res.json().catch(() => null)) as AuthSession | null;
  }

  /** A valid key for the signed-in user, made if needed. Throws 401 `signed_out` when nobody is. */
  async apiKey(): Promise<string> {
    const session = await this.currentSession();
    const userId = session?.user?.id ?? null;
    const organizationId = session?.session?.activeOrganizationId ?? null;
    const stored = this.opts.store.load();
    if (!userId)
      throw new ApiCallError(401, 'signed_out', 'Sign in to Cloud Workspaces in this window first.');
    const sameOrg = !organizationId || (stored?.organizationId ?? null) === organizationId;
    if (stored && stored.userId === userId && stored.serverOrigin === this.opts.serverOrigin && sameOrg)
      return stored.apiKey;
    if (stored) await this.revoke(stored.apiKeyId, stored.apiKey);
    const res = await this.opts.sessionFetch(this.url('/api/api-keys'), {
      method: 'POST',
      headers: { origin: this.opts.serverOrigin, 'content-type': 'application/json' },
      credentials: 'include',
      // Scoped to the window's organization; it may run commands and read, not administer.
      body: JSON.stringify({
        name: this.opts.keyName ?? `Desktop app (${hostname()})`.slice(0, 32),
        organizationId,
        permissions: ['exec'],
      }),
    });
    if (!res.ok) throw await readError(res);
    const created = (await res.json()) as CreatedApiKey;
    this.opts.store.save({
      serverOrigin: this.opts.serverOrigin,
      userId,
      apiKeyId: created.id,
      apiKey: created.key,
      organizationId,
    });
    return created.key;
  }

  private async revoke(id: string, key: string) {
    this.opts.store.clear();
    await this.fetch(this.url(`/api/api-keys/${encodeURIComponent(id)}`), {
      method: 'DELETE',
      headers: { authorization: `Bearer ${key}`, origin: this.opts.serverOrigin },
    }).catch(() => undefined);
  }

  /** A call with the bridge's key; a key the server no longer accepts is replaced once. */
  async call<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const key = await this.apiKey();
      const res = await this.fetch(this.url(path), {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          authorization: `Bearer ${key}`,
          origin: this.opts.serverOrigin,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      if (res.status === 401 && attempt === 0) {
        this.opts.store.clear();
        continue;
      }
      if (!res.ok) throw await readError(res);
      const text = await res.text();
      return (text ? JSON.parse(text) : null) as T;
    }
  }

  async workspace(id: string): Promise<Workspace> {
    const r = await this.call<WorkspaceDetailResponse>(`/api/workspaces/${encodeURIComponent(id)}`);
    return r.workspace;
  }

  async repository(organizationId: string, repositoryId: string): Promise<Repository> {
    const r = await followCursors('repositories', (cursor) =>
      this.call<RepositoryListResponse>(
        `/api/repositories?${new URLSearchParams({ organizationId, limit: String(PAGE_MAX), ...(cursor ? { cursor } : {}) })}`,
      ),
    );
    const repo = r.repositories.find((x) => x.id === repositoryId);
    if (!repo) throw new ApiCallError(404, 'not_found', "The workspace's repository was not found.");
    return repo;
  }

  /** The organization's slug (the web app's URLs use it), through the window's cookie session. */
  async organizationSlug(organizationId: string): Promise<string | null> {
    const res = await this.opts.sessionFetch(this.url('/api/auth/organization/list'), {
      headers: { origin: this.opts.serverOrigin },
      credentials: 'include',
    });
    if (!res.ok) return null;
    const orgs = (await res.json().catch(() => [])) as Organization[];
    return Array.isArray(orgs) ? (orgs.find((o) => o.id === organizationId)?.slug ?? null) : null;
  }
}

/** The Sync service's view of the API, through the bridge's key. */
export function syncApiOf(api: DesktopApi, clientInfo: string) {
  return {
    workspace: (id: string) => api.workspace(id),
    repository: (organizationId: string, repositoryId: string) =>
      api.repository(organizationId, repositoryId),
    /**
     * Records the local folder (`localWorktreePath`, `localSyncEnabled`) on the app's desktop session:
     * updates the existing one, or opens one when there is none or it has expired.
     */
    async recordLocalSync(
      workspaceId: string,
      path: string,
      previousSessionId: string | null,
    ): Promise<string | null> {
      const body = { localWorktreePath: path, localSyncEnabled: true };
      if (previousSessionId) {
        try {
          await api.call(`/api/sessions/${encodeURIComponent(previousSessionId)}`, { method: 'PATCH', body });
          return previousSessionId;
        } catch (err) {
          if (!(err instanceof ApiCallError && err.status === 404)) throw err;
        }
      }
      const r = await api.call<OpenSessionResponse>(
        `/api/workspaces/${encodeURIComponent(workspaceId)}/sessions`,
        { body: { clientType: 'desktop', clientInfo, ...body } },
      );
      return r.sessionId ?? null;
    },
    /** Keeps the session fresh (presence, not activity); false when it expired and must be reopened. */
    async heartbeat(sessionId: string): Promise<boolean> {
      try {
        await api.call(`/api/sessions/${encodeURIComponent(sessionId)}/heartbeat`, {
          body: { active: false },
        });
        return true;
      } catch (err) {
        if (err instanceof ApiCallError && err.status === 404) return false;
        throw err;
      }
    },
    async requestCloudPull(workspaceId: string) {
      const r = await api.call<PullResponse>(`/api/workspaces/${encodeURIComponent(workspaceId)}/pull`, {
        method: 'POST',
        body: {},
      });
      return { outcome: String(r.outcome ?? 'unknown'), message: String(r.message ?? '') };
    },
  };
}
