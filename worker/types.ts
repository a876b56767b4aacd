import type { Config } from '../core/config';
import type { Database } from '../db/client';
import type { Auth } from './auth';

export interface Principal {
  userId: string;
  /** How the caller proved who they are: a session cookie or an API key. */
  via: 'session' | 'api_key';
  name: string;
  email: string;
  image: string | null;
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
