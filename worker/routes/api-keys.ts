import { Hono } from 'hono';
import { and, desc, eq } from 'drizzle-orm';
import { apikey } from '../../db/schema';
import { CreateApiKeyInput } from '../../core/schemas/api-keys';
import { json } from '../lib/validate';
import { notFound } from '../lib/errors';
import type { ApiKeyListResponse, CreatedApiKey } from '../../core/api/api-keys';
import type { Reply } from '../lib/reply';
import type { AppEnv } from '../types';

const publicFields = {
  id: apikey.id,
  name: apikey.name,
  start: apikey.start,
  createdAt: apikey.createdAt,
  lastRequest: apikey.lastRequest,
  expiresAt: apikey.expiresAt,
};

// A user's own keys. The secret is returned once, at creation; only its first characters are kept readable.
export const apiKeys = new Hono<AppEnv>()
  .post('/', json(CreateApiKeyInput), async (c): Reply<CreatedApiKey, 201> => {
    const { name } = c.req.valid('json');
    const created = await c.var.auth.api.createApiKey({ body: { name, userId: c.var.principal.userId } });
    return c.json({ id: created.id, key: created.key, name: created.name, start: created.start }, 201);
  })
  .get('/', async (c): Reply<ApiKeyListResponse> => {
    const rows = await c.var.db
      .select(publicFields)
      .from(apikey)
      .where(eq(apikey.referenceId, c.var.principal.userId))
      .orderBy(desc(apikey.createdAt));
    return c.json({ apiKeys: rows }, 200);
  })
  .delete('/:id', async (c) => {
    const deleted = await c.var.db
      .delete(apikey)
      .where(and(eq(apikey.id, c.req.param('id')), eq(apikey.referenceId, c.var.principal.userId)))
      .returning({ id: apikey.id });
    if (deleted.length === 0) throw notFound('API key');
    return c.body(null, 204);
  });
