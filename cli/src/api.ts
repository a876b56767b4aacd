import type { PortListResponse } from '../../core/api/ports';
import { followCursors, PAGE_MAX } from '../../core/api/page';
import type { ApiErrorBody } from '../../core/errors';
import type { MeResponse } from '../../core/api/me';
import type { RepositoryListResponse } from '../../core/api/repositories';
import type { OpenSessionResponse } from '../../core/api/sessions';
import type { SshAccessResponse } from '../../core/api/ssh';
import type { TerminalListResponse, TerminalWindow } from '../../core/api/terminals';
import type {
  ExecResponse,
  WorkspaceDetailResponse,
  WorkspaceListResponse,
  WorkspaceResponse,
} from '../../core/api/workspaces';
import type { Credentials } from './config';
import { CliError, Exit } from './errors';

/** An API failure: the server's code and message, and the exit code a script sees. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    const exit =
      status === 401
        ? Exit.notSignedIn
        : status === 404
          ? Exit.notFound
          : status === 409
            ? Exit.notRunning
            : status >= 502
              ? Exit.unavailable
              : Exit.failure;
    super(status === 401 ? `${message} Run \`cw login\` with a valid key.` : message, exit);
  }
}

export type Api = ReturnType<typeof createApi>;

/** The typed API client: every answer is a shape from core/api. */
export function createApi(creds: Credentials) {
  const base = creds.url.replace(/\/+$/, '');
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${creds.key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      const why = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new CliError(`Cannot reach ${base} (${why}).`, Exit.unavailable);
    }
    const text = await res.text();
    if (!res.ok) {
      let err: ApiErrorBody['error'] | undefined;
      try {
        err = (JSON.parse(text) as ApiErrorBody).error;
      } catch {
        // not our JSON (a proxy): the status says enough
      }
      throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
  const ws = (id: string) => `/api/workspaces/${encodeURIComponent(id)}`;
  const pageQuery = (organizationId: string, cursor?: string) =>
    new URLSearchParams({
      organizationId,
      limit: String(PAGE_MAX),
      ...(cursor ? { cursor } : {}),
    }).toString();
  return {
    base,
    key: creds.key,
    me: () => call<MeResponse>('GET', '/api/me'),
    /** Every workspace of the organization: the list's pages followed. */
    workspaces: (organizationId: string) =>
      followCursors('workspaces', (cursor) =>
        call<WorkspaceListResponse>('GET', `/api/workspaces?${pageQuery(organizationId, cursor)}`),
      ),
    workspace: (id: string) => call<WorkspaceDetailResponse>('GET', ws(id)),
    repositories: (organizationId: string) =>
      followCursors('repositories', (cursor) =>
        call<RepositoryListResponse>('GET', `/api/repositories?${pageQuery(organizationId, cursor)}`),
      ),
    create: (body: { organizationId: string; repositoryId: string; branch: string; name?: string }) =>
      call<WorkspaceResponse>('POST', '/api/workspaces', body),
    action: (id: string, action: string) => call<WorkspaceResponse>('POST', `${ws(id)}/${action}`, {}),
    remove: (id: string) => call<void>('DELETE', ws(id)),
    exec: (id: string, command: string, timeoutMs?: number) =>
      call<ExecResponse>('POST', `${ws(id)}/exec`, { command, ...(timeoutMs ? { timeoutMs } : {}) }),
    terminals: (id: string) => call<TerminalListResponse>('GET', `${ws(id)}/terminals`),
    createTerminal: (id: string) => call<TerminalWindow>('POST', `${ws(id)}/terminals`, {}),
    ssh: (id: string) => call<SshAccessResponse>('POST', `${ws(id)}/ssh`, {}),
    openSession: (id: string) =>
      call<OpenSessionResponse>('POST', `${ws(id)}/sessions`, { clientType: 'ssh' }),
    heartbeat: (sessionId: string, active: boolean) =>
      call<unknown>('POST', `/api/sessions/${encodeURIComponent(sessionId)}/heartbeat`, { active }),
    leave: (sessionId: string) => call<void>('DELETE', `/api/sessions/${encodeURIComponent(sessionId)}`),
    /** Every port of the workspace: the list's pages followed. */
    ports: (id: string) =>
      followCursors('ports', (cursor) =>
        call<PortListResponse>(
          'GET',
          `${ws(id)}/ports?${new URLSearchParams({ limit: String(PAGE_MAX), ...(cursor ? { cursor } : {}) })}`,
        ),
      ),
    terminalSocketUrl: (id: string, windowId: string, cols: number, rows: number) =>
      `${base.replace(/^http/, 'ws')}${ws(id)}/terminals/${encodeURIComponent(windowId)}?cols=${cols}&rows=${rows}`,
  };
}
