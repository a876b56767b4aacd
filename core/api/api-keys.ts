// Response shapes of /api/api-keys as they go over the wire: dates are ISO strings.

/** A key as listed: never the secret, only its first characters (`start`). */
export interface ApiKey {
  id: string;
  name: string | null;
  start: string | null;
  createdAt: string;
  lastRequest: string | null;
  expiresAt: string | null;
}

export interface ApiKeyListResponse {
  apiKeys: ApiKey[];
}

/** `POST /api/api-keys`: the only answer that carries the key itself. */
export interface CreatedApiKey {
  id: string;
  key: string;
  name: string | null;
  start: string | null;
}
