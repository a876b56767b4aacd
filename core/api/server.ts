// The public routes that describe the server: `GET /api/config` and `GET /api/health`.

/** Which sign-in methods the server offers. */
export interface AuthProviders {
  github: boolean;
  google: boolean;
  emailPassword: boolean;
}

export interface PublicConfigResponse {
  localMode: boolean;
  providers: AuthProviders;
  /** Preview URLs: `<scheme>://<port>-<workspaceId>.<domain>`; absent when previews are not configured. */
  preview?: { scheme: 'http' | 'https'; domain: string };
}

type Up = 'up' | 'down';

/** 200 when everything is up, 503 otherwise. */
export interface HealthResponse {
  ok: boolean;
  db: Up;
  vmHost: Up;
}
