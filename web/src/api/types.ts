// Response shapes of the API as the browser sees them (dates arrive as ISO strings).
// Request inputs and enums come from the platform-free `core/` so the two sides cannot drift.
import type { WorkspaceStatus } from '../../../core/workspace-state';
import type { ExecResponse } from '../../../core/schemas/workspaces';
import type { ClientType } from '../../../core/schemas/sessions';

export type { WorkspaceStatus, ExecResponse, ClientType };

export interface User {
  id: string;
  name: string;
  email: string;
  image?: string | null;
  emailVerified?: boolean;
}

export interface AuthSession {
  session: { id: string; userId: string; activeOrganizationId?: string | null; expiresAt: string };
  user: User;
}

export interface Organization {
  id: string;
  name: string;
  slug: string;
  logo?: string | null;
  createdAt: string;
}

export interface Member {
  id: string;
  organizationId: string;
  userId: string;
  role: string;
  createdAt: string;
  user: { id: string; name: string; email: string; image?: string | null };
}

export interface Invitation {
  id: string;
  organizationId: string;
  email: string;
  role: string;
  status: 'pending' | 'accepted' | 'rejected' | 'canceled';
  expiresAt: string;
  inviterId: string;
  createdAt?: string;
}

/** One of the signed-in person's own pending invitations (`GET /api/invitations`). */
export interface PendingInvitation {
  id: string;
  organizationId: string;
  organizationName: string;
  organizationSlug: string;
  role: string | null;
  inviterName: string;
  expiresAt: string;
}

export interface InvitationDetails extends Invitation {
  organizationName: string;
  organizationSlug: string;
  inviterEmail: string;
}

export interface FullOrganization extends Organization {
  members: Member[];
  invitations: Invitation[];
}

export interface ApiKey {
  id: string;
  name: string | null;
  start: string | null;
  createdAt: string;
  lastRequest: string | null;
  expiresAt: string | null;
}

export interface CreatedApiKey {
  id: string;
  key: string;
  name: string | null;
  start: string | null;
}

export interface Repository {
  id: string;
  organizationId: string;
  url: string;
  fullName: string | null;
  name: string;
  defaultBranch: string;
  webhookSecret: string;
  webhookUrl: string;
  createdAt: string;
}

export interface Workspace {
  id: string;
  organizationId: string;
  repositoryId: string;
  name: string;
  branch: string;
  status: WorkspaceStatus;
  statusMessage: string | null;
  lastCommitSha: string | null;
  pullMessage: string | null;
  creatorId: string;
  autoStopMinutes: number;
  createdAt: string;
  updatedAt: string;
  statusChangedAt?: string;
  lastActiveAt: string;
  provisionAttempts?: number;
}

/** A row of `GET /api/workspaces`: the workspace joined with its repository, creator and presence count. */
export interface WorkspaceListItem extends Workspace {
  repositoryName?: string;
  repositoryUrl?: string;
  creatorName?: string;
  connectedCount?: number;
}

export interface PresenceSession {
  id: string;
  userId: string;
  userName: string;
  userImage: string | null;
  clientType: ClientType;
  clientInfo?: unknown;
  connectedAt: string;
  lastHeartbeatAt: string;
}

export interface TerminalWindow {
  windowId: string;
  name: string;
}
