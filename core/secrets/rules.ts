// Workspace secrets: names, sizes, scopes and how they merge into a workspace's environment.
// Platform-free: the Worker validates with it, the room merges with it, the web app shows the rules.

export const SECRET_SCOPES = ['organization', 'repository', 'personal'] as const;
export type SecretScope = (typeof SECRET_SCOPES)[number];

/** What a shell accepts as a variable name. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const SECRET_NAME_MAX = 200;
/** A value's UTF-8 bytes; beyond it the API answers 413. */
export const SECRET_VALUE_MAX_BYTES = 64 * 1024;

/**
 * Each organization, repository and person holds at most this many secrets, of this many value bytes
 * in all: a shell's whole environment (three scopes) stays under 1 MiB, inside what execve and the
 * VM API's stdin take.
 */
export const SECRETS_PER_OWNER_MAX = 100;
export const SECRETS_PER_OWNER_MAX_BYTES = 256 * 1024;

/** Why a name cannot be a secret's, or null. */
export function secretNameProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > SECRET_NAME_MAX) return `must be at most ${SECRET_NAME_MAX} characters`;
  if (!SECRET_NAME.test(name)) {
    return 'must be letters, digits and underscores, not starting with a digit ([A-Za-z_][A-Za-z0-9_]*)';
  }
  return null;
}

export const secretValueBytes = (value: string) => new TextEncoder().encode(value).length;

/**
 * A workspace's environment, lowest precedence first: the repository's `containerEnv`/`remoteEnv`,
 * then organization, repository and personal secrets. A later layer wins a name.
 */
export function mergeEnvironment(...layers: (Record<string, string> | undefined)[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const layer of layers) if (layer) Object.assign(env, layer);
  return env;
}

/** Lower number = lower precedence. */
export const SCOPE_PRECEDENCE: Record<SecretScope, number> = { organization: 1, repository: 2, personal: 3 };
