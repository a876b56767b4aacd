import type { WorkspaceStatus } from '../../core/workspace-state';

// What the Worker passes to the room for a preview request, and what the room decides.

/** The person behind a preview request: a grant's (cookie) or an API key the Worker checked. */
export interface PreviewPrincipal {
  userId: string;
  authSessionId?: string;
  keyId?: string;
  /** ms; a grant or socket ends then (a session's or key's expiry). */
  expiresAt?: number | null;
}

export interface PreviewGateRequest {
  port: number;
  /** The preview host's own cookie. */
  token?: string;
  /** An API key the Worker verified, a member allowed `port.preview`. */
  principal?: PreviewPrincipal;
  /** A browser navigation: a paused workspace answers with a page that waits, not a held request. */
  html: boolean;
}

export type PreviewGate =
  | { kind: 'forward'; domain: string; name: string }
  | { kind: 'login'; name: string }
  | { kind: 'resuming'; name: string }
  | { kind: 'not_running'; name: string; status: WorkspaceStatus }
  | { kind: 'not_found' }
  | { kind: 'unavailable'; name: string; message: string };

/** A preview WebSocket (header `x-cw-preview`): the gate's request and what to send upstream. */
export interface PreviewSocketRequest {
  gate: PreviewGateRequest;
  /** Path and query. */
  path: string;
  /** The client's headers, already stripped of our credentials. */
  headers: [string, string][];
}
