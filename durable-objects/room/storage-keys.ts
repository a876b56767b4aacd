// Every key the room keeps in its Durable Object storage. Storage outlives deploys, so this file is a
// schema: a key is renamed only with a migration of what is stored under it, and a new key is added
// here before any module uses it.

/** The storage layout's version; bump it with a migration when a key's meaning changes. */
export const STORAGE_VERSION = 1;
export const STORAGE_VERSION_KEY = 'storageVersion';

/** The workspace this room serves, kept for runtimes that do not tell a Durable Object its name. */
export const WORKSPACE_ID_KEY = 'workspaceId';

/** `timer:<name>` -> due time (ms). The alarm is set to the earliest (room/timers.ts). */
export const TIMER_PREFIX = 'timer:';
export const Timer = {
  provision: 'provision',
  pull: 'pull',
  idle: 'idle',
  pausedStop: 'paused-stop',
  presence: 'presence',
  /** Compares the workspace's status with its VM's state (room/reconcile.ts). */
  watch: 'watch',
  /** The next SSH grant to expire (room/ssh-grants.ts): its identity is deleted then. */
  sshExpiry: 'ssh-expiry',
  /** Polls the running setup's PTY session for its exit and its timeout (room/setup.ts). */
  setup: 'setup',
} as const;
export type TimerName = (typeof Timer)[keyof typeof Timer];

/** Idle policy (room/idle.ts): the last activity (ms), and the idle stretch already warned about. */
export const LAST_ACTIVITY_KEY = 'idle:lastActivityAt';
export const WARNED_KEY = 'idle:warnedFor';
/** Failed idle pauses in a row, for the retry's backoff. */
export const IDLE_PAUSE_ATTEMPTS_KEY = 'idle:pauseAttempts';

/** Auto-pull retries after transient failures (room/pull.ts). */
export const PULL_ATTEMPTS_KEY = 'pull:attempts';

/** `session:<id>` -> RoomSession (room/presence.ts). */
export const SESSION_PREFIX = 'session:';

/** `window:<id>` -> TerminalWindow, `ticket:<token>` -> a single-use ticket (room/windows.ts). */
export const WINDOW_PREFIX = 'window:';
export const TICKET_PREFIX = 'ticket:';

/** SSH access granted on the VM: `SshGrant[]` (room/ssh.ts), revoked when the workspace stops or goes. */
export const SSH_GRANTS_KEY = 'ssh:grants';

/** Previews (room/preview.ts): `preview:code:<sha256>` one-time codes, `preview:grant:<sha256>` grants
 * behind preview cookies, `preview:rule:<vmId>:<port>` TLS rules made on the VM platform. */
export const PREVIEW_CODE_PREFIX = 'preview:code:';
export const PREVIEW_GRANT_PREFIX = 'preview:grant:';
export const PREVIEW_RULE_PREFIX = 'preview:rule:';

/** Health checks (room/health.ts): the OOM kills and disk level already told, so each is told once. */
export const HEALTH_SEEN_KEY = 'health:seen';

/** The setup running in the Setup window: `SetupRun` (room/setup.ts). */
export const SETUP_RUN_KEY = 'setup:run';
/** `containerEnv` + `remoteEnv` of the workspace's devcontainer.json: the lowest-precedence env. */
export const SETUP_ENV_KEY = 'setup:env';
/** `{ forwardPorts: number[], portLabels: Record<port, label> }` from devcontainer.json, for the ports feature. */
export const DEVCONTAINER_PORTS_KEY = 'devcontainer:ports';
