import { Hono } from 'hono';
import { and, desc, eq } from 'drizzle-orm';
import { apikey } from '../../db/schema';
import { CreateApiKeyInput, DEFAULT_KEY_PERMISSIONS } from '../../core/schemas/api-keys';
import { keyAllows, type Action } from '../../core/policy';
import { json, query } from '../lib/validate';
import { PageQuery } from '../../core/schemas/page';
import { afterCursor, cursorAt, toPage } from '../../db/queries/page';
import { cursorParam } from '../lib/page';
import { forbidden, notFound, unauthorized } from '../lib/errors';
import { accessOf, accessQuery, assertSignedIn, signedInQuery, signedInSql } from '../lib/membership';
import { KEY_RESOURCE, keyScope, parseJson } from '../lib/key-scope';
import { revokeSockets } from '../lib/revoke';
import type { ApiKeyListResponse, CreatedApiKey } from '../../core/api/api-keys';
import type { Reply } from '../lib/reply';
import type { AppEnv, Principal } from '../types';

const DAY_S = 24 * 3600;

/** Keys may list keys, but never make them: a leaked key must not outlive its revocation. */
function assertKeyMay(principal: Principal, action: Action) {
  if (principal.key && !keyAllows(principal.key.permissions, action)) {
    throw forbidden('API keys cannot do this; sign in.');
  }
}

// A user's own keys, each scoped to one organization. The secret is returned once, at creation.
export const apiKeys = new Hono<AppEnv>()
  .post('/', json(CreateApiKeyInput), async (c): Reply<CreatedApiKey, 201> => {
    const { principal, db } = c.var;
    assertKeyMay(principal, 'apiKey.manage');
    const input = c.req.valid('json');
    // A member of it, signed in still (a session signed out since its cookie was cached makes none).
    const access = accessOf(await accessQuery(db, principal, input.organizationId));
    if (!access.signedIn) throw unauthorized();
    if (access.role === null) throw notFound('Organization');
    const permissions = [...new Set(input.permissions ?? DEFAULT_KEY_PERMISSIONS)];
    const created = await c.var.auth.api.createApiKey({
      body: {
        name: input.name,
        userId: principal.userId,
        expiresIn: input.expiresInDays === 'never' ? null : input.expiresInDays * DAY_S,
        metadata: { organizationId: input.organizationId },
        permissions: { [KEY_RESOURCE]: permissions },
      },
    });
    return c.json(
      {
        id: created.id,
        key: created.key,
        name: created.name,
        start: created.start,
        organizationId: input.organizationId,
        permissions,
        expiresAt: created.expiresAt ? new Date(created.expiresAt).toISOString() : null,
      },
      201,
    );
  })
  .get('/', query(PageQuery), async (c): Reply<ApiKeyListResponse> => {
    assertKeyMay(c.var.principal, 'apiKey.list');
    const page = c.req.valid('query');
    const after = afterCursor(apikey.createdAt, apikey.id, cursorParam(page.cursor), {
      at: 'timestamp',
      id: 'text',
    });
    const { db, principal } = c.var;
    const [signedIn, found] = await db.batch([
      signedInQuery(db, principal),
      db
        .select({ key: apikey, cursorAt: cursorAt(apikey.createdAt) })
        .from(apikey)
        .where(and(eq(apikey.referenceId, principal.userId), after))
        .orderBy(desc(apikey.createdAt), desc(apikey.id))
        .limit(page.limit + 1),
    ]);
    assertSignedIn(signedIn);
    const { rows, nextCursor } = toPage(
      found.map((r) => ({ ...r.key, cursorAt: r.cursorAt })),
      page.limit,
    );
    const list = rows.map((r) => ({
      id: r.id,
      name: r.name,
      start: r.start,
      ...keyScope({ metadata: parseJson(r.metadata), permissions: parseJson(r.permissions) }),
      createdAt: r.createdAt,
      lastRequest: r.lastRequest,
      expiresAt: r.expiresAt,
    }));
    return c.json({ apiKeys: list, nextCursor }, 200);
  })
  .delete('/:id', async (c) => {
    const { principal } = c.var;
    const id = c.req.param('id');
    // A key may revoke itself (the desktop app signing out); no other.
    if (principal.key?.id !== id) assertKeyMay(principal, 'apiKey.manage');
    // Only while the sign-in holds (a session signed out since its cookie was cached deletes nothing).
    const deleted = await c.var.db
      .delete(apikey)
      .where(and(eq(apikey.id, id), eq(apikey.referenceId, principal.userId), signedInSql(principal)))
      .returning({ id: apikey.id, metadata: apikey.metadata });
    if (deleted.length === 0) {
      assertSignedIn(await signedInQuery(c.var.db, principal));
      throw notFound('API key');
    }
    // Its open sockets end now, not at their next request.
    const { organizationId } = keyScope({ metadata: parseJson(deleted[0]!.metadata) });
    if (organizationId) await revokeSockets(c.env, c.var.db, [organizationId], { keyId: id });
    return c.body(null, 204);
  });
