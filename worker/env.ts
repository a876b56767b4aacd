import { z } from 'zod';
import type { WorkspaceRoom } from '../durable-objects/workspace-room';
import type { OrgEvents } from '../durable-objects/org-events';

// Bindings as wrangler passes them. Strings are validated once per isolate by `parseConfig`.
export interface Bindings {
  ASSETS?: Fetcher;
  WORKSPACE_ROOM: DurableObjectNamespace<WorkspaceRoom>;
  ORG_EVENTS: DurableObjectNamespace<OrgEvents>;
  DATABASE_URL: string;
  /** Local only: `host:port` of the WebSocket-to-TCP proxy the Neon driver tunnels through. */
  NEON_WS_PROXY?: string;
  BETTER_AUTH_SECRET: string;
  BETTER_AUTH_URL: string;
  TRUSTED_ORIGINS?: string;
  AUTH_EMAIL_PASSWORD?: string;
  GITHUB_CLIENT_ID?: string;
  GITHUB_CLIENT_SECRET?: string;
  GOOGLE_CLIENT_ID?: string;
  GOOGLE_CLIENT_SECRET?: string;
  VM_API_URL?: string;
  FREESTYLE_API_KEY: string;
  GITHUB_WEBHOOK_SECRET?: string;
  LOCAL_MODE?: string;
}

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const ConfigSchema = z.object({
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is required'),
  NEON_WS_PROXY: z.string().optional(),
  BETTER_AUTH_SECRET: z.string().min(16, 'BETTER_AUTH_SECRET must be at least 16 characters'),
  BETTER_AUTH_URL: z.url('BETTER_AUTH_URL must be a URL'),
  TRUSTED_ORIGINS: z.string().optional(),
  AUTH_EMAIL_PASSWORD: flag,
  GITHUB_CLIENT_ID: z.string().optional(),
  GITHUB_CLIENT_SECRET: z.string().optional(),
  GOOGLE_CLIENT_ID: z.string().optional(),
  GOOGLE_CLIENT_SECRET: z.string().optional(),
  VM_API_URL: z.url().default('https://api.freestyle.sh'),
  FREESTYLE_API_KEY: z.string().min(1, 'FREESTYLE_API_KEY is required'),
  GITHUB_WEBHOOK_SECRET: z.string().optional(),
  LOCAL_MODE: flag,
});

export type Config = ReturnType<typeof toConfig>;

function toConfig(raw: z.output<typeof ConfigSchema>) {
  const pair = (id?: string, secret?: string) =>
    id && secret ? { clientId: id, clientSecret: secret } : undefined;
  const origin = new URL(raw.BETTER_AUTH_URL).origin;
  return {
    databaseUrl: raw.DATABASE_URL,
    neonWsProxy: raw.NEON_WS_PROXY,
    localMode: raw.LOCAL_MODE,
    vmApiUrl: raw.VM_API_URL,
    vmApiKey: raw.FREESTYLE_API_KEY,
    githubWebhookSecret: raw.GITHUB_WEBHOOK_SECRET,
    auth: {
      baseURL: raw.BETTER_AUTH_URL,
      secret: raw.BETTER_AUTH_SECRET,
      trustedOrigins: [origin, ...(raw.TRUSTED_ORIGINS?.split(',').map((s) => s.trim()) ?? [])].filter(
        Boolean,
      ),
      // Email + password is always on locally; production opts in.
      emailPasswordEnabled: raw.LOCAL_MODE || raw.AUTH_EMAIL_PASSWORD,
      github: pair(raw.GITHUB_CLIENT_ID, raw.GITHUB_CLIENT_SECRET),
      google: pair(raw.GOOGLE_CLIENT_ID, raw.GOOGLE_CLIENT_SECRET),
    },
  };
}

let cached: { env: Bindings; config: Config } | undefined;

/** Validates the environment once per isolate; a misconfiguration names every bad variable. */
export function parseConfig(env: Bindings): Config {
  if (cached?.env === env) return cached.config;
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${detail}`);
  }
  const config = toConfig(result.data);
  cached = { env, config };
  return config;
}
