import { Hono } from 'hono';
import { and, count, desc, eq, sql } from 'drizzle-orm';
import { cloudWorkspaces, repositories } from '../../db/schema';
import {
  CreateRepositoryInput,
  ListRepositoriesQuery,
  localRepositoryProblem,
  UpdateRepositoryInput,
  parseRepositoryUrl,
} from '../../core/schemas/repositories';
import { ErrorCode } from '../../core/errors';
import { json, query } from '../lib/validate';
import { apiError, notFound } from '../lib/errors';
import { authorize, authorizeWith } from '../lib/membership';
import { keyAllows, roleAllows } from '../../core/policy';
import { isUuid } from '../../core/ids';
import type { RepositoryListResponse, RepositoryResponse } from '../../core/api/repositories';
import type { Reply } from '../lib/reply';
import type { Database } from '../../db/client';
import type { AppEnv, Principal } from '../types';
import { afterCursor, cursorAt, toPage } from '../../db/queries/page';
import { cursorParam } from '../lib/page';
import { prebuiltBranches, requestBuilds } from '../lib/builders';

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Each repository has its own URL, so its secret is tried first (worker/routes/webhooks.ts). */
const webhookUrl = (requestUrl: string, id: string) =>
  new URL(`/webhooks/github/${id}`, requestUrl).toString();

/** Webhook secrets are for those who manage repositories (core/policy.ts); members see the rest. */
function maySeeSecrets(principal: Principal, role: string | null) {
  if (principal.key && !keyAllows(principal.key.permissions, 'repository.manage')) return false;
  return roleAllows(role, 'repository.manage');
}

type SetupFields = Pick<
  typeof repositories.$inferSelect,
  'setupCommand' | 'setupTimeoutMinutes' | 'prebuildsEnabled'
>;
const setupChanged = (a: SetupFields, b: SetupFields) =>
  a.setupCommand !== b.setupCommand ||
  a.setupTimeoutMinutes !== b.setupTimeoutMinutes ||
  a.prebuildsEnabled !== b.prebuildsEnabled;

export const repositoriesRoute = new Hono<AppEnv>()
  .post('/', json(CreateRepositoryInput), async (c): Reply<RepositoryResponse, 201> => {
    const input = c.req.valid('json');
    const { db, principal, config } = c.var;
    await authorize(db, principal, input.organizationId, 'repository.manage');
    const parsed = parseRepositoryUrl(input.url, { allowLocal: config.localMode });
    if ('error' in parsed)
      throw apiError(400, ErrorCode.validation, `url: ${parsed.error}`, { field: 'url' });
    const unreachable = localRepositoryProblem(parsed.cloneUrl, config.localRepositoryRoots ?? []);
    if (unreachable) throw apiError(400, ErrorCode.validation, `url: ${unreachable}`, { field: 'url' });
    // Rows from before names were lower-cased may differ from the new spelling by case only.
    const [twin] = parsed.fullName
      ? await db
          .select({ id: repositories.id })
          .from(repositories)
          .where(
            and(
              eq(repositories.organizationId, input.organizationId),
              sql`lower(${repositories.fullName}) = ${parsed.fullName}`,
            ),
          )
          .limit(1)
      : [];
    if (twin) throw apiError(409, ErrorCode.conflict, 'This organization already has that repository.');
    const [row] = await db
      .insert(repositories)
      .values({
        organizationId: input.organizationId,
        url: parsed.cloneUrl,
        fullName: parsed.fullName,
        name: input.name ?? parsed.name,
        defaultBranch: input.defaultBranch ?? 'main',
        webhookSecret: randomSecret(),
        createdById: principal.userId,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw apiError(409, ErrorCode.conflict, 'This organization already has that repository.');
    return c.json({ repository: { ...row, webhookUrl: webhookUrl(c.req.url, row.id) } }, 201);
  })
  .get('/', query(ListRepositoriesQuery), async (c): Reply<RepositoryListResponse> => {
    const { organizationId, ...page } = c.req.valid('query');
    const { db, principal } = c.var;
    const after = afterCursor(repositories.createdAt, repositories.id, cursorParam(page.cursor), {
      at: 'timestamptz',
      id: 'uuid',
    });
    // One round trip: the caller's role (which also decides the secrets) and the list.
    const { access, results } = await authorizeWith(db, principal, organizationId, 'repository.read', [
      db
        .select({ repository: repositories, cursorAt: cursorAt(repositories.createdAt) })
        .from(repositories)
        .where(and(eq(repositories.organizationId, organizationId), after))
        .orderBy(desc(repositories.createdAt), desc(repositories.id))
        .limit(page.limit + 1),
    ]);
    const secrets = maySeeSecrets(principal, access.role);
    const { rows: paged, nextCursor } = toPage(
      results[0].map((r) => ({ ...r.repository, cursorAt: r.cursorAt })),
      page.limit,
    );
    const rows = paged;
    const shown = rows.map(({ webhookSecret, ...r }) => ({
      ...r,
      ...(secrets ? { webhookSecret } : {}),
      webhookUrl: webhookUrl(c.req.url, r.id),
    }));
    return c.json({ repositories: shown, nextCursor }, 200);
  })
  .patch('/:id', json(UpdateRepositoryInput), async (c): Reply<RepositoryResponse> => {
    const { db, principal } = c.var;
    const id = c.req.param('id');
    if (!isUuid(id)) throw notFound('Repository');
    const [repo] = await db.select().from(repositories).where(eq(repositories.id, id)).limit(1);
    if (!repo) throw notFound('Repository');
    await authorize(db, principal, repo.organizationId, 'repository.manage', 'Repository');
    const [row] = await db
      .update(repositories)
      .set(c.req.valid('json'))
      .where(eq(repositories.id, id))
      .returning();
    // A changed setup definition (or its timeout, or prebuilds turned on) rebuilds the prebuilds in the
    // background; turning them off asks too, so a build in progress stops and its VM goes.
    if (setupChanged(repo, row!)) {
      const branches = await prebuiltBranches(db, id, row!.defaultBranch);
      c.executionCtx.waitUntil(requestBuilds(c.env, id, branches, 'settings'));
    }
    return c.json({ repository: { ...row!, webhookUrl: webhookUrl(c.req.url, id) } }, 200);
  })
  .delete('/:id', async (c) => {
    const { db, principal } = c.var;
    const id = c.req.param('id');
    if (!isUuid(id)) throw notFound('Repository');
    const [repo] = await db.select().from(repositories).where(eq(repositories.id, id)).limit(1);
    if (!repo) throw notFound('Repository');
    await authorize(db, principal, repo.organizationId, 'repository.manage', 'Repository');
    const [{ n }] = await db
      .select({ n: count() })
      .from(cloudWorkspaces)
      .where(eq(cloudWorkspaces.repositoryId, id));
    // Deleting would orphan running VMs: the workspaces go first, each through its own lifecycle.
    if (n > 0) throw apiError(409, ErrorCode.conflict, `Delete this repository's ${n} workspace(s) first.`);
    await db.delete(repositories).where(eq(repositories.id, id));
    return c.body(null, 204);
  });
