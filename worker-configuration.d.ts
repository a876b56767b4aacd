// The Worker's bindings, declared ambiently as `wrangler types` does, so no layer imports the Durable
// Object classes to name a binding. Strings are validated once per isolate by core/config.ts.
declare namespace Cloudflare {
  interface Env {
    ASSETS?: Fetcher;
    WORKSPACE_ROOM: DurableObjectNamespace<import('./durable-objects/workspace-room').WorkspaceRoom>;
    ORG_EVENTS: DurableObjectNamespace<import('./durable-objects/org-events').OrgEvents>;
    PREBUILD_BUILDER: DurableObjectNamespace<import('./durable-objects/prebuild-builder').PrebuildBuilder>;
    DATABASE_URL: string;
    /** Local only: `host:port` of the WebSocket-to-TCP proxy the Neon driver tunnels through. */
    NEON_WS_PROXY?: string;
    DB_TRANSPORT?: string;
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
    MAIL_FROM?: string;
    MAIL_API_KEY?: string;
    MAIL_API_URL?: string;
    LOCAL_MODE?: string;
    /** Local only: host folders the VMs can read, colon-separated (a repository elsewhere is refused). */
    LOCAL_REPOSITORY_ROOTS?: string;
    /** Default limits of every organization (core/limits.ts); each organization may set its own. */
    LIMIT_WORKSPACES?: string;
    LIMIT_RUNNING?: string;
    LIMIT_WINDOWS?: string;
    LIMIT_TERMINAL_SOCKETS?: string;
    LIMIT_SESSIONS_PER_USER?: string;
    /** The SSH gateway's host name, `{vmId}` replaced by the VM's id (default Freestyle's). */
    SSH_GATEWAY_HOST?: string;
    SSH_GATEWAY_PORT?: string;
    SSH_TOKEN_TTL_SECONDS?: string;
    /** Workspace secrets' AES-GCM keys, base64, comma-separated; the first encrypts (docs/secrets.md). */
    SECRETS_ENCRYPTION_KEY?: string;
  }
}
interface Env extends Cloudflare.Env {}
