import { api } from './http';
import { followCursors, PAGE_MAX } from '../../../core/api/page';
import type {
  ExecResponse,
  WorkspaceDetailResponse,
  WorkspaceListResponse,
  WorkspaceResponse,
} from '../../../core/api/workspaces';
import type { OpenSessionResponse } from '../../../core/api/sessions';
import type { SshAccessResponse } from '../../../core/api/ssh';
import type { PortListResponse, PortResponse, PortVisibility } from '../../../core/api/ports';
import type {
  TerminalListResponse,
  TerminalTicketResponse,
  TerminalWindow,
} from '../../../core/api/terminals';

const W = '/api/workspaces';
const id = (x: string) => encodeURIComponent(x);

export type LifecycleAction = 'pause' | 'resume' | 'stop' | 'start' | 'retry';

export const workspaces = {
  /** Every workspace: the list is paged, its pages followed. */
  list: (organizationId: string, repositoryId?: string) =>
    followCursors('workspaces', (cursor) =>
      api.get<WorkspaceListResponse>(W, { organizationId, repositoryId, cursor, limit: PAGE_MAX }),
    ),
  get: (workspaceId: string) => api.get<WorkspaceDetailResponse>(`${W}/${id(workspaceId)}`),
  create: (input: { organizationId: string; repositoryId: string; branch: string; name?: string }) =>
    api.post<WorkspaceResponse>(W, input),
  action: (workspaceId: string, action: LifecycleAction) =>
    api.post<WorkspaceResponse>(`${W}/${id(workspaceId)}/${action}`),
  remove: (workspaceId: string) => api.del(`${W}/${id(workspaceId)}`),
  exec: (workspaceId: string, input: { command: string; timeoutMs?: number; cwd?: string }) =>
    api.post<ExecResponse>(`${W}/${id(workspaceId)}/exec`, input),
  ssh: (workspaceId: string) => api.post<SshAccessResponse>(`${W}/${id(workspaceId)}/ssh`),
  /** Runs the repository's setup again in the Setup window. */
  rerunSetup: (workspaceId: string) => api.post<WorkspaceResponse>(`${W}/${id(workspaceId)}/setup`),
};

export const ports = {
  list: (workspaceId: string) =>
    followCursors('ports', (cursor) =>
      api.get<PortListResponse>(`${W}/${id(workspaceId)}/ports`, { cursor, limit: PAGE_MAX }),
    ).then((r) => r.ports),
  setVisibility: (workspaceId: string, port: number, visibility: PortVisibility) =>
    api.patch<PortResponse>(`${W}/${id(workspaceId)}/ports/${port}`, { visibility }).then((r) => r.port),
};

export const terminals = {
  list: (workspaceId: string) =>
    api.get<TerminalListResponse>(`${W}/${id(workspaceId)}/terminals`).then((r) => r.terminals),
  create: (workspaceId: string, name?: string) =>
    api.post<TerminalWindow>(`${W}/${id(workspaceId)}/terminals`, name ? { name } : {}),
  rename: (workspaceId: string, windowId: string, name: string) =>
    api.patch<TerminalWindow>(`${W}/${id(workspaceId)}/terminals/${id(windowId)}`, { name }),
  close: (workspaceId: string, windowId: string) =>
    api.del(`${W}/${id(workspaceId)}/terminals/${id(windowId)}`),
  ticket: (workspaceId: string) =>
    api.post<TerminalTicketResponse>(`${W}/${id(workspaceId)}/terminal-ticket`),
};

export const presence = {
  join: (workspaceId: string, clientInfo?: string) =>
    api.post<OpenSessionResponse>(`${W}/${id(workspaceId)}/sessions`, { clientType: 'web', clientInfo }),
  heartbeat: (sessionId: string, active: boolean) =>
    api.post<unknown>(`/api/sessions/${id(sessionId)}/heartbeat`, { active }),
  leave: (sessionId: string) => api.del(`/api/sessions/${id(sessionId)}`),
};
