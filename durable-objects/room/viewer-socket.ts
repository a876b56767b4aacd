import type { ClientType } from '../../core/schemas/sessions';
import type { InputMeter } from './input-limits';

/** What the room knows of each terminal socket. */
export interface ViewerAttachment {
  kind: 'terminal';
  viewerId: string;
  windowId: string;
  workspaceId: string;
  userId: string;
  name: string;
  image: string | null;
  via: 'session' | 'api_key';
  clientType: ClientType;
  sessionId?: string;
  /** The principal's Better Auth session or API key (revocation closes the socket, 4004). */
  authSessionId?: string;
  keyId?: string;
  cols: number;
  rows: number;
}

export interface ViewerSocket {
  ws: WebSocket;
  att: ViewerAttachment;
  meter: InputMeter;
}
