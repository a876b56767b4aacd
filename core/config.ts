import { z } from 'zod';
import { DEFAULT_LIMITS, MAX_LIMITS, type Limits } from './limits';
import { FORWARD_AUTH_PATH, parsePreviewHost } from './ports';
import { keyringProblem } from './secrets/crypto';

// The Worker's configuration, parsed from its string bindings once per isolate. Platform-free, so the
// Worker and the Durable Objects (and scripts) read the same rules; the binding types themselves are
// ambient (worker-configuration.d.ts), as `wrangler types` would declare them.

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

/** A default limit from a variable: a whole number within the limit's own bounds. */
const limit = (name: keyof Limits) =>
  z.coerce.number().int().min(1).max(MAX_LIMITS[name]).default(DEFAULT_LIMITS[name]);

/** A screen mirror bound: 1 KiB to 32 MiB (xterm throws past 50 MB queued). */
const mirrorBytes = z.coerce
  .number()
  .int()
  .min(1024)
  .max(32 * 1024 * 1024)
  .optional();

const ConfigSchema = z.object({
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is required'),
  NEON_WS_PROXY: z.string().optional(),
  // Local measurements only (db/client.ts): `pool` is the per-request WebSocket path it replaced.
  DB_TRANSPORT: z.enum(['http', 'pool']).default('http'),
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
  // Local only: the host folders local VMs can read (colon-separated); a file:// repository elsewhere is refused.
  LOCAL_REPOSITORY_ROOTS: z.string().optional(),
  LIMIT_WORKSPACES: limit('workspaces'),
  LIMIT_RUNNING: limit('running'),
  LIMIT_WINDOWS: limit('windows'),
  LIMIT_TERMINAL_SOCKETS: limit('terminalSockets'),
  LIMIT_SESSIONS_PER_USER: limit('sessionsPerUser'),
  // Freestyle's CLI connects to `<vmId>.beta-ssh.freestyle.sh`: `{vmId}` is replaced by the VM's id.
  SSH_GATEWAY_HOST: z.string().min(1).default('{vmId}.beta-ssh.freestyle.sh'),
  SSH_GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).default(22),
  SSH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(3600),
  // Tests only: a shorter auto-stop minute (room/idle.ts), so idle pauses happen in seconds.
  IDLE_MINUTE_MS: z.coerce.number().int().min(1000).max(60_000).default(60_000),
  // Tests only: a setup timeout instead of the repository's (room/setup.ts, builder/run.ts), and how
  // often a room compares itself with its VM (room/lifecycle.ts).
  SETUP_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).optional(),
  ROOM_WATCH_MS: z.coerce.number().int().min(100).max(60_000).optional(),
  // Tests and the bench only: `ping` answers carry the window's relay numbers (room/viewers.ts), and
  // the screen mirror's bounds (relay/mirror.ts) may be set, in bytes.
  RELAY_STATS: flag,
  RELAY_PARSE_BACKLOG_BYTES: mirrorBytes,
  RELAY_EMULATOR_TAIL_BYTES: mirrorBytes,
  RELAY_PARSE_SLICE_BYTES: mirrorBytes,
  // Preview URLs: `<port>-<workspaceId>.<PREVIEW_DOMAIN>` (may carry a port locally: `localhost:8787`).
  PREVIEW_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?$/, 'PREVIEW_DOMAIN must be a host name')
    .optional(),
  // The VM platform's domain for TLS rules (`<port>-<workspaceId>.<VM_PREVIEW_DOMAIN>`), and where the
  // Worker sends preview traffic (default: `https://<that domain>`; locally the VM host's forwarder).
  VM_PREVIEW_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+$/, 'VM_PREVIEW_DOMAIN must be a host name')
    .optional(),
  VM_FORWARD_URL: z.url().optional(),
  // Where the VM platform calls our forward auth (default: the app origin's). Locally the stack's
  // relay to the Worker behind wrangler's dev proxy, which production does not have.
  FORWARD_AUTH_URL: z.url().optional(),
  MAIL_FROM: z.string().optional(),
  MAIL_API_KEY: z.string().optional(),
  MAIL_API_URL: z.url().default('https://api.resend.com/emails'),
  // Workspace secrets' keys (core/secrets/crypto.ts); without it secrets cannot be stored or injected.
  SECRETS_ENCRYPTION_KEY: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      const problem = v ? keyringProblem(v) : null;
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});

export type Config = ReturnType<typeof toConfig>;

function toConfig(raw: z.output<typeof ConfigSchema>): {
  databaseUrl: string;
  neonWsProxy?: string;
  dbTransport: 'http' | 'pool';
  localMode: boolean;
  vmApiUrl: string;
  vmApiKey: string;
  githubWebhookSecret?: string;
  /** Where SSH clients connect, and how long a token lasts (1 h unless SSH_TOKEN_TTL_SECONDS says). */
  sshGateway: { host: string; port: number; tokenTtlSeconds: number };
  /** The length of an auto-stop minute: 60 s unless a test shortens it (IDLE_MINUTE_MS). */
  idleMinuteMs: number;
  /** Tests: every setup's timeout, instead of the repository's setting (SETUP_TIMEOUT_MS). */
  setupTimeoutMs?: number;
  /** Tests: how often a room checks its VM, instead of 10 s / 60 s (ROOM_WATCH_MS). */
  roomWatchMs?: number;
  /** Tests and the bench: relay numbers in `pong` (RELAY_STATS), the mirror's bounds (RELAY_PARSE_*). */
  relay: {
    stats: boolean;
    maxParseBacklogBytes?: number;
    emulatorTailBytes?: number;
    parseSliceBytes?: number;
  };
  /** A mail provider over HTTP; without one, local mode writes to the outbox and production sends none. */
  mail?: MailConfig;
  /** Preview URLs of VM ports; absent when PREVIEW_DOMAIN is unset outside local mode. */
  preview?: PreviewConfig;
  auth: AuthConfig;
  limits: Limits;
  /** Local mode: the folders VMs can read, so a repository outside them is refused at once. */
  localRepositoryRoots?: string[];
  /** SECRETS_ENCRYPTION_KEY as given: one or more keys, the first encrypts. */
  secretsKey?: string;
} {
  const pair = (id?: string, secret?: string) =>
    id && secret ? { clientId: id, clientSecret: secret } : undefined;
  const origin = new URL(raw.BETTER_AUTH_URL).origin;
  return {
    databaseUrl: raw.DATABASE_URL,
    neonWsProxy: raw.NEON_WS_PROXY,
    dbTransport: raw.DB_TRANSPORT,
    localMode: raw.LOCAL_MODE,
    vmApiUrl: raw.VM_API_URL,
    vmApiKey: raw.FREESTYLE_API_KEY,
    githubWebhookSecret: raw.GITHUB_WEBHOOK_SECRET,
    sshGateway: {
      host: raw.SSH_GATEWAY_HOST,
      port: raw.SSH_GATEWAY_PORT,
      tokenTtlSeconds: raw.SSH_TOKEN_TTL_SECONDS,
    },
    idleMinuteMs: raw.IDLE_MINUTE_MS,
    setupTimeoutMs: raw.SETUP_TIMEOUT_MS,
    roomWatchMs: raw.ROOM_WATCH_MS,
    relay: {
      stats: raw.RELAY_STATS,
      maxParseBacklogBytes: raw.RELAY_PARSE_BACKLOG_BYTES,
      emulatorTailBytes: raw.RELAY_EMULATOR_TAIL_BYTES,
      parseSliceBytes: raw.RELAY_PARSE_SLICE_BYTES,
    },
    mail:
      raw.MAIL_FROM && raw.MAIL_API_KEY
        ? { from: raw.MAIL_FROM, apiKey: raw.MAIL_API_KEY, apiUrl: raw.MAIL_API_URL }
        : undefined,
    preview: previewConfig(raw),
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
    secretsKey: raw.SECRETS_ENCRYPTION_KEY || undefined,
    localRepositoryRoots: raw.LOCAL_REPOSITORY_ROOTS?.split(':').filter(Boolean),
    limits: {
      workspaces: raw.LIMIT_WORKSPACES,
      running: raw.LIMIT_RUNNING,
      windows: raw.LIMIT_WINDOWS,
      terminalSockets: raw.LIMIT_TERMINAL_SOCKETS,
      sessionsPerUser: raw.LIMIT_SESSIONS_PER_USER,
    },
  };
}

export interface PreviewConfig {
  /** `localhost:8787` locally, `preview.example.com` in production. */
  domain: string;
  /** The app's scheme: previews are served by the same Worker. */
  scheme: 'http' | 'https';
  /** Domain of the VM platform's TLS rules. */
  vmDomain: string;
  /** Where preview requests go (the domain is named in X-Forwarded-Host); unset: `https://<rule domain>`. */
  forwardUrl?: string;
  /** The URL the VM platform's forward auth calls. */
  forwardAuthUrl: string;
}

function previewConfig(raw: z.output<typeof ConfigSchema>): PreviewConfig | undefined {
  const app = new URL(raw.BETTER_AUTH_URL);
  const domain =
    raw.PREVIEW_DOMAIN ?? (raw.LOCAL_MODE ? `localhost${app.port ? `:${app.port}` : ''}` : undefined);
  if (!domain) return undefined;
  // Preview hosts are `<port>-<id>.<domain>`: the app's own host (even `localhost:8787` beside
  // `*.localhost:8787`) is never one of them, unless it has that very shape.
  if (parsePreviewHost(app.host, domain)) {
    throw new Error('Invalid configuration: BETTER_AUTH_URL is a preview host under PREVIEW_DOMAIN');
  }
  // A preview page may set cookies for its parent domains (a Set-Cookie with `Domain=`, or
  // document.cookie): under the app's host, a previewed app could plant a session cookie in the app.
  const host = domain.replace(/:\d+$/, '');
  if (!raw.LOCAL_MODE && (host === app.hostname || host.endsWith(`.${app.hostname}`))) {
    throw new Error(
      "Invalid configuration: PREVIEW_DOMAIN must not be BETTER_AUTH_URL's host or under it (a previewed app could set the app's cookies)",
    );
  }
  return {
    domain,
    scheme: app.protocol === 'https:' ? 'https' : 'http',
    vmDomain: raw.VM_PREVIEW_DOMAIN ?? domain.replace(/:\d+$/, ''),
    forwardUrl: raw.VM_FORWARD_URL,
    forwardAuthUrl: raw.FORWARD_AUTH_URL ?? `${app.origin}${FORWARD_AUTH_PATH}`,
  };
}

export interface MailConfig {
  from: string;
  apiKey: string;
  apiUrl: string;
}

export interface AuthConfig {
  baseURL: string;
  secret: string;
  trustedOrigins: string[];
  emailPasswordEnabled: boolean;
  github?: { clientId: string; clientSecret: string };
  google?: { clientId: string; clientSecret: string };
}

let cached: { env: object; config: Config } | undefined;

/** Validates the environment once per isolate; a misconfiguration names every bad variable. */
export function parseConfig(env: object): Config {
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
