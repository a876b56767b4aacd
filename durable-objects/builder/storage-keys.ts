// Every key the prebuild builder keeps in its Durable Object storage (a schema, as the room's
// storage-keys.ts): renamed only with a migration of what is stored under it.

/** The storage layout's version; bump it with a migration when a key's meaning changes. */
export const STORAGE_VERSION = 1;
export const STORAGE_VERSION_KEY = 'storageVersion';

/** `{ repositoryId, branch }`: what this builder builds (its name is `<repositoryId>:<branch>`). */
export const TARGET_KEY = 'target';
/** The last request's number; each request gets the next, so a newer one is told from an older. */
export const GENERATION_KEY = 'generation';
/** `BuildWanted`: a request not started yet. */
export const WANTED_KEY = 'wanted';
/** `BuildRun`: the build in progress, with its VM (deleted in every outcome). */
export const RUN_KEY = 'run';
/** `PrebuildBuild` (core/api/prebuilds.ts): the current or last build, for the settings page. */
export const LAST_KEY = 'last';
