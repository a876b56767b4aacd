import type { Config } from '../core/config';
import type { Database } from '../db/client';
import type { Auth } from './auth';
import type { KeyPermission } from '../core/policy';

export interface Principal {
  userId: string;
  /** How the caller proved who they are: a session cookie or an API key. */
  via: 'session' | 'api_key';
  name: string;
  email: string;
  image: string | null;
  /** The Better Auth session a cookie caller rides on (what signing out revokes). */
  sessionId?: string;
  /** An API key caller's key: it acts in its one organization, with its permissions only. */
  key?: {
    id: string;
    organizationId: string | null;
    permissions: KeyPermission[];
    expiresAt?: number | null;
  };
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    config: Config;
    db: Database;
    auth: Auth;
    principal: Principal;
  };
}
