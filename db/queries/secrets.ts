import { and, asc, eq, gt, or, sql, type SQL } from 'drizzle-orm';
import { open, seal, secretAad, type Keyring } from '../../core/secrets/crypto';
import { SECRETS_PER_OWNER_MAX, type SecretScope } from '../../core/secrets/rules';
import { cloudWorkspaces, secrets, user } from '../schema';
import type { Database } from '../client';

/** Whose secret: an organization's, a repository's (of an organization) or one person's. */
export type SecretOwner =
  | { scope: 'organization'; organizationId: string }
  | { scope: 'repository'; organizationId: string; repositoryId: string }
  | { scope: 'personal'; userId: string };

export interface SecretRow {
  name: string;
  scope: SecretScope;
  updatedAt: Date;
  updatedBy: { id: string; name: string } | null;
}

const ownerKey = (o: SecretOwner) =>
  o.scope === 'organization' ? o.organizationId : o.scope === 'repository' ? o.repositoryId : o.userId;

function ownerWhere(o: SecretOwner): SQL {
  const scope = eq(secrets.scope, o.scope);
  if (o.scope === 'organization') return and(scope, eq(secrets.organizationId, o.organizationId))!;
  if (o.scope === 'repository') return and(scope, eq(secrets.repositoryId, o.repositoryId))!;
  return and(scope, eq(secrets.userId, o.userId))!;
}

/**
 * Names and who changed them when, never a value; by name, after `after` (a page's cursor), at most
 * `limit`, or only the one named `only`.
 */
export async function listSecrets(
  db: Database,
  owner: SecretOwner,
  opts: { after?: string; limit?: number; only?: string } = {},
): Promise<SecretRow[]> {
  const rows = await db
    .select({
      name: secrets.name,
      scope: secrets.scope,
      updatedAt: secrets.updatedAt,
      updatedById: secrets.updatedById,
      updatedByName: user.name,
    })
    .from(secrets)
    .leftJoin(user, eq(user.id, secrets.updatedById))
    .where(
      and(
        ownerWhere(owner),
        opts.after !== undefined ? gt(secrets.name, opts.after) : undefined,
        opts.only !== undefined ? eq(secrets.name, opts.only) : undefined,
      ),
    )
    .orderBy(asc(secrets.name))
    .limit(opts.limit ?? SECRETS_PER_OWNER_MAX);
  return rows.map((r) => ({
    name: r.name,
    scope: r.scope,
    updatedAt: r.updatedAt,
    updatedBy: r.updatedById ? { id: r.updatedById, name: r.updatedByName ?? '' } : null,
  }));
}

/** How many secrets `owner` has and their values' bytes, besides `except` (the one being replaced). */
export async function ownerUsage(db: Database, owner: SecretOwner, except: string) {
  const [row] = await db
    .select({
      count: sql<number>`count(*)::int`,
      // GCM's ciphertext is the value's bytes plus a 16-byte tag.
      bytes: sql<number>`coalesce(sum(octet_length(decode(${secrets.ciphertext}, 'base64')) - 16), 0)::int`,
    })
    .from(secrets)
    .where(and(ownerWhere(owner), sql`${secrets.name} <> ${except}`));
  return { count: Number(row?.count ?? 0), bytes: Number(row?.bytes ?? 0) };
}

/** Creates or replaces one secret, sealed under the ring's current key. */
export async function putSecret(
  db: Database,
  ring: Keyring,
  owner: SecretOwner,
  name: string,
  value: string,
  actorId: string,
): Promise<{ created: boolean }> {
  const sealed = await seal(ring, value, secretAad(owner.scope, ownerKey(owner), name));
  const now = new Date();
  const values = {
    scope: owner.scope,
    organizationId: owner.scope === 'personal' ? null : owner.organizationId,
    repositoryId: owner.scope === 'repository' ? owner.repositoryId : null,
    userId: owner.scope === 'personal' ? owner.userId : null,
    name,
    ...sealed,
    updatedById: actorId,
  };
  const target =
    owner.scope === 'organization'
      ? [secrets.organizationId, secrets.name]
      : owner.scope === 'repository'
        ? [secrets.repositoryId, secrets.name]
        : [secrets.userId, secrets.name];
  const [row] = await db
    .insert(secrets)
    .values(values)
    .onConflictDoUpdate({
      target,
      targetWhere: sql.raw(`scope = '${owner.scope}'`),
      set: { ...sealed, updatedById: actorId, updatedAt: now },
    })
    // A fresh row's createdAt is its updatedAt's instant only when inserted now.
    .returning({ created: sql<boolean>`(xmax = 0)` });
  return { created: !!row?.created };
}

export async function deleteSecret(db: Database, owner: SecretOwner, name: string): Promise<boolean> {
  const rows = await db
    .delete(secrets)
    .where(and(ownerWhere(owner), eq(secrets.name, name)))
    .returning({ id: secrets.id });
  return rows.length > 0;
}

export interface WorkspaceSecrets {
  organization: Record<string, string>;
  repository: Record<string, string>;
  personal: Record<string, string>;
  /** Names that could not be opened (a key no longer configured, an altered row). */
  unreadable: string[];
}

/** A secret as stored, still sealed: what travels from the Worker to the room with an exec. */
export interface SealedSecretRow {
  scope: SecretScope;
  organizationId: string | null;
  repositoryId: string | null;
  userId: string | null;
  name: string;
  keyId: string;
  iv: string;
  ciphertext: string;
}

/**
 * The sealed rows a workspace's shells receive, as one statement (so it can join a batch): its
 * organization's and repository's secrets, and `userId`'s personal ones (none for null).
 */
export function workspaceSecretRowsQuery(db: Database, workspaceId: string, userId: string | null) {
  const ws = db
    .select({ organizationId: cloudWorkspaces.organizationId, repositoryId: cloudWorkspaces.repositoryId })
    .from(cloudWorkspaces)
    .where(eq(cloudWorkspaces.id, workspaceId))
    .as('ws');
  return db
    .select({
      scope: secrets.scope,
      organizationId: secrets.organizationId,
      repositoryId: secrets.repositoryId,
      userId: secrets.userId,
      name: secrets.name,
      keyId: secrets.keyId,
      iv: secrets.iv,
      ciphertext: secrets.ciphertext,
    })
    .from(secrets)
    .innerJoin(ws, sql`true`)
    .where(
      or(
        and(eq(secrets.scope, 'organization'), eq(secrets.organizationId, ws.organizationId)),
        and(eq(secrets.scope, 'repository'), eq(secrets.repositoryId, ws.repositoryId)),
        userId ? and(eq(secrets.scope, 'personal'), eq(secrets.userId, userId)) : undefined,
      ),
    );
}

/** Opens sealed rows by scope; each ciphertext is bound to its owner and name (AAD). */
export async function openSecretRows(ring: Keyring, rows: SealedSecretRow[]): Promise<WorkspaceSecrets> {
  const out: WorkspaceSecrets = { organization: {}, repository: {}, personal: {}, unreadable: [] };
  for (const r of rows) {
    const owner =
      r.scope === 'organization' ? r.organizationId : r.scope === 'repository' ? r.repositoryId : r.userId;
    try {
      out[r.scope][r.name] = await open(ring, r, secretAad(r.scope, owner!, r.name));
    } catch {
      out.unreadable.push(`${r.scope}:${r.name}`);
    }
  }
  return out;
}

/** Everything a workspace's shells receive, in one query, opened. */
export async function workspaceSecrets(
  db: Database,
  ring: Keyring,
  workspaceId: string,
  userId: string | null,
): Promise<WorkspaceSecrets> {
  return openSecretRows(ring, await workspaceSecretRowsQuery(db, workspaceId, userId));
}

/**
 * What a prebuild's setup receives: the organization's and the repository's secrets, never anyone's
 * personal ones (a prebuild is shared by every member who starts from it).
 */
export async function prebuildSecrets(
  db: Database,
  ring: Keyring,
  organizationId: string,
  repositoryId: string,
): Promise<WorkspaceSecrets> {
  const rows = await db
    .select()
    .from(secrets)
    .where(
      or(
        and(eq(secrets.scope, 'organization'), eq(secrets.organizationId, organizationId)),
        and(eq(secrets.scope, 'repository'), eq(secrets.repositoryId, repositoryId)),
      ),
    );
  return openSecretRows(ring, rows);
}
