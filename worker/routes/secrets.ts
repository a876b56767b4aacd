import { Hono, type Context } from 'hono';
import { sql } from 'drizzle-orm';
import type { SecretInfo, SecretListResponse, SecretResponse } from '../../core/api/secrets';
import { ErrorCode } from '../../core/errors';
import { keyAllows } from '../../core/policy';
import { loadKeyring } from '../../core/secrets/crypto';
import {
  SECRET_VALUE_MAX_BYTES,
  SECRETS_PER_OWNER_MAX,
  SECRETS_PER_OWNER_MAX_BYTES,
  secretNameProblem,
  secretValueBytes,
} from '../../core/secrets/rules';
import { PutSecretInput } from '../../core/schemas/secrets';
import { isUuid } from '../../core/ids';
import { recordAudit } from '../../db/audit';
import {
  deleteSecret,
  listSecrets,
  ownerUsage,
  putSecret,
  type SecretOwner,
  type SecretRow,
} from '../../db/queries/secrets';
import { apiError, forbidden, notFound, unauthorized } from '../lib/errors';
import { authorize, signedInSql } from '../lib/membership';
import { loadRepositoryById } from '../lib/load';
import type { Reply } from '../lib/reply';
import { json, query } from '../lib/validate';
import { PageQuery } from '../../core/schemas/page';
import { toKeyPage } from '../../db/queries/page';
import { keyCursorParam } from '../lib/page';
import type { AppEnv } from '../types';

// Secrets of the three scopes: `/organizations/:id/secrets`, `/repositories/:id/secrets`, `/me/secrets`.
// Values go in and never come out: every answer, audit row and error names the secret only.

type C = Context<AppEnv>;

const info = (r: SecretRow): SecretInfo => ({ ...r, updatedAt: r.updatedAt.toISOString() });

function secretName(c: C): string {
  const name = c.req.param('name') ?? '';
  const problem = secretNameProblem(name);
  if (problem) throw apiError(400, ErrorCode.validation, `name: ${problem}`, { field: 'name' });
  return name;
}

async function keyring(c: C) {
  const spec = c.var.config.secretsKey;
  if (!spec) {
    throw apiError(
      503,
      ErrorCode.serviceUnavailable,
      'Secrets cannot be stored: this server has no SECRETS_ENCRYPTION_KEY (docs/secrets.md).',
    );
  }
  return loadKeyring(spec);
}

function checkValue(value: string) {
  const bytes = secretValueBytes(value);
  if (bytes > SECRET_VALUE_MAX_BYTES) {
    throw apiError(
      413,
      ErrorCode.payloadTooLarge,
      `value: a secret is at most ${SECRET_VALUE_MAX_BYTES} bytes (64 KiB); this one is ${bytes}.`,
      { field: 'value' },
    );
  }
}

const scopeWord = (o: SecretOwner) =>
  o.scope === 'organization' ? 'This organization' : o.scope === 'repository' ? 'This repository' : 'You';

/** A scope's bound (core/secrets/rules.ts): 409 `quota_exceeded`, as the organization limits answer. */
async function checkRoom(c: C, owner: SecretOwner, name: string, value: string) {
  const used = await ownerUsage(c.var.db, owner, name);
  if (used.count >= SECRETS_PER_OWNER_MAX) {
    throw apiError(
      409,
      ErrorCode.quotaExceeded,
      `${scopeWord(owner)} already ${owner.scope === 'personal' ? 'have' : 'has'} ${used.count} secrets, the most allowed (${SECRETS_PER_OWNER_MAX}). Delete one you no longer need.`,
      { limit: { name: 'secrets', max: SECRETS_PER_OWNER_MAX, current: used.count } },
    );
  }
  const bytes = used.bytes + secretValueBytes(value);
  if (bytes > SECRETS_PER_OWNER_MAX_BYTES) {
    throw apiError(
      409,
      ErrorCode.quotaExceeded,
      `${scopeWord(owner)} would hold ${bytes} bytes of secrets, more than the ${SECRETS_PER_OWNER_MAX_BYTES} (256 KiB) allowed in all. Delete or shorten some.`,
      { limit: { name: 'secretBytes', max: SECRETS_PER_OWNER_MAX_BYTES, current: used.bytes } },
    );
  }
}

/** Who the organization's secrets belong to, after checking the caller may `manage` or read them. */
async function organizationOwner(c: C, manage: boolean): Promise<SecretOwner> {
  const organizationId = c.req.param('id')!;
  await authorize(c.var.db, c.var.principal, organizationId, manage ? 'secret.manage' : 'secret.read');
  return { scope: 'organization', organizationId };
}

async function repositoryOwner(c: C, manage: boolean): Promise<SecretOwner> {
  const id = c.req.param('id')!;
  if (!isUuid(id)) throw notFound('Repository');
  const repo = await loadRepositoryById(c.var.db, id);
  if (!repo) throw notFound('Repository');
  const action = manage ? 'secret.manage' : 'secret.read';
  await authorize(c.var.db, c.var.principal, repo.organizationId, action, 'Repository');
  return { scope: 'repository', organizationId: repo.organizationId, repositoryId: repo.id };
}

async function personalOwner(c: C): Promise<SecretOwner> {
  const { principal } = c.var;
  if (principal.key && !keyAllows(principal.key.permissions, 'secret.personal')) {
    throw forbidden('API keys cannot read or change personal secrets; sign in.');
  }
  // The session came from the cookie cache: one signed out or revoked since must not reach them.
  const { rows } = await c.var.db.execute<{ ok: boolean }>(sql`select ${signedInSql(principal)} as ok`);
  if (rows[0]?.ok !== true) throw unauthorized();
  return { scope: 'personal', userId: principal.userId };
}

async function audit(c: C, owner: SecretOwner, action: 'secret_set' | 'secret_deleted', name: string) {
  // Personal secrets belong to no organization's log: they are the person's own.
  if (owner.scope === 'personal') return;
  const { principal } = c.var;
  await recordAudit(c.var.db, {
    organizationId: owner.organizationId,
    actorType: principal.via === 'api_key' ? 'api_key' : 'user',
    actorUserId: principal.userId,
    action,
    detail: {
      scope: owner.scope,
      name,
      ...(owner.scope === 'repository' ? { repositoryId: owner.repositoryId } : {}),
    },
  });
}

function secretsOf(resolve: (c: C, manage: boolean) => Promise<SecretOwner>) {
  return new Hono<AppEnv>()
    .get('/', query(PageQuery), async (c): Reply<SecretListResponse> => {
      const { limit, cursor } = c.req.valid('query');
      const after = keyCursorParam('secret', cursor, (k) => !secretNameProblem(k));
      const owner = await resolve(c, false);
      const rows = await listSecrets(c.var.db, owner, { after, limit: limit + 1 });
      const { rows: page, nextCursor } = toKeyPage('secret', rows, limit, (r) => r.name);
      return c.json({ secrets: page.map(info), nextCursor }, 200);
    })
    .put('/:name', json(PutSecretInput), async (c): Reply<SecretResponse> => {
      const owner = await resolve(c, true);
      const name = secretName(c);
      const { value } = c.req.valid('json');
      checkValue(value);
      await checkRoom(c, owner, name, value);
      const ring = await keyring(c);
      const { created } = await putSecret(c.var.db, ring, owner, name, value, c.var.principal.userId);
      await audit(c, owner, 'secret_set', name);
      const [row] = await listSecrets(c.var.db, owner, { only: name });
      return c.json({ secret: info(row!), created }, 200);
    })
    .delete('/:name', async (c) => {
      const owner = await resolve(c, true);
      const name = secretName(c);
      if (!(await deleteSecret(c.var.db, owner, name))) throw notFound('Secret');
      await audit(c, owner, 'secret_deleted', name);
      return c.body(null, 204);
    });
}

/** Mounted at `/organizations/:id/secrets`, `/repositories/:id/secrets` and `/me/secrets`. */
export const organizationSecrets = secretsOf(organizationOwner);
export const repositorySecrets = secretsOf(repositoryOwner);
export const personalSecrets = secretsOf((c) => personalOwner(c));
