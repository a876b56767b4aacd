// `GET /api/me`: who the caller is and their organizations; what an API-key client (the CLI) reads,
// since Better Auth's own endpoints answer only to a session cookie.

export interface MeResponse {
  user: { id: string; name: string; email: string };
  via: 'session' | 'api_key';
  organizations: { id: string; name: string; slug: string; role: string }[];
}
