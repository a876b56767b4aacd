import { refreshPrebuild } from '../lib/prebuild-refresh';
import { requestBuilds } from '../lib/builders';
import { Hono } from 'hono';
import { eq, lt, sql } from 'drizzle-orm';
import { repositories, webhookDeliveries } from '../../db/schema';
import { isUuid } from '../../core/ids';
import type { Database } from '../../db/client';
import { ErrorCode } from '../../core/errors';
import {
  branchOfRef,
  GITHUB_WEBHOOK_MAX_BYTES,
  GithubPushPayload,
  HANDLED_GITHUB_EVENTS,
  isBranchDeletion,
  type WebhookResponse,
} from '../../core/schemas/github';
import { findTextProblem } from '../../core/schemas/text';
import { requestContext } from '../middleware/context';
import { apiError, notFound } from '../lib/errors';
import { actorOf, roomFor, unwrap } from '../lib/rooms';
import { loadWorkspace } from '../lib/load';
import { parseSignatureHeader, readBodyCapped, verifySignature } from '../webhooks/signature';
import {
  decodePayload,
  markPendingPull,
  matchingRepositories,
  repositoryHints,
  scanRepositoryHints,
  scannedNulField,
  type CandidateRepository,
} from '../webhooks/targets';
import type { PullResponse } from '../../core/api/workspaces';
import type { Reply } from '../lib/reply';
import type { AppEnv } from '../types';

/**
 * At most this many per-repository secrets are tried for one delivery (repositories registered under
 * the same GitHub full name or URL by different organizations). Bounds the HMAC work an unsigned
 * request can cause to this many passes over at most 25 MB.
 */
const MAX_CANDIDATE_SECRETS = 20;

/** Delivery ids are remembered this long for deduplication (GitHub's redeliveries come well within it). */
const DELIVERY_RETENTION_DAYS = 30;

const tooLarge = () =>
  apiError(413, ErrorCode.payloadTooLarge, 'Webhook payloads are limited to 25 MB, as GitHub sends them.');
const badSignature = (why = 'The X-Hub-Signature-256 signature does not match this payload.') =>
  apiError(401, ErrorCode.invalidSignature, why);

/** Strings that Postgres refuses (NUL) never reach a query, even as bound parameters. */
function refuseBadText(payload: unknown) {
  const problem = findTextProblem(payload);
  if (problem)
    throw apiError(400, ErrorCode.validation, `${problem.field}: ${problem.message}`, {
      field: problem.field,
    });
}

/** The repository a per-repository webhook URL names; 404 for one that does not exist. */
async function ownRepository(db: Database, id: string | undefined) {
  if (id === undefined) return null;
  const [row] = isUuid(id)
    ? await db
        .select({
          id: repositories.id,
          organizationId: repositories.organizationId,
          webhookSecret: repositories.webhookSecret,
          fullName: repositories.fullName,
          url: repositories.url,
        })
        .from(repositories)
        .where(eq(repositories.id, id))
        .limit(1)
    : [];
  if (!row) throw notFound('Repository');
  return row;
}

/** `POST /webhooks/github[/<repository id>]`: outside `/api` and its session auth; the signature is the authentication. */
export const webhooks = new Hono<AppEnv>().use(requestContext).post('/github/:repositoryId?', async (c) => {
  const { db, config } = c.var;
  const event = c.req.header('x-github-event') ?? '';
  const delivery = c.req.header('x-github-delivery')?.trim().slice(0, 200) || null;
  const contentType = c.req.header('content-type');

  if (Number(c.req.header('content-length') ?? 0) > GITHUB_WEBHOOK_MAX_BYTES) throw tooLarge();
  // GitHub always sends one; without it a replay could not be told from a new delivery.
  if (!delivery) throw apiError(400, ErrorCode.validation, 'Missing X-GitHub-Delivery header.');
  const signature = parseSignatureHeader(c.req.header('x-hub-signature-256'));
  if (!signature) throw badSignature('Missing or malformed X-Hub-Signature-256 header.');
  const body = await readBodyCapped(c.req.raw, GITHUB_WEBHOOK_MAX_BYTES);
  if (!body) throw tooLarge();

  // Who signed it? Decided before the body is parsed: a bounded scan names the repository, whose
  // registrations' secrets are tried oldest first, then the global secret. Only then is it parsed.
  // The repository's own webhook URL (`/webhooks/github/<id>`) puts its registration first, so no
  // number of registrations by others can crowd its secret out.
  const nulField = scannedNulField(body);
  if (nulField)
    throw apiError(400, ErrorCode.validation, `${nulField}: must not contain null bytes`, {
      field: nulField,
    });
  const own = await ownRepository(db, c.req.param('repositoryId'));
  const hints = own ? { fullName: own.fullName, urls: [own.url] } : scanRepositoryHints(body, contentType);
  const named = hints
    ? await matchingRepositories(db, hints, { localMode: config.localMode, limit: MAX_CANDIDATE_SECRETS })
    : [];
  const candidates = own ? [own, ...named.filter((r) => r.id !== own.id)] : named;
  const signedBy: CandidateRepository[] = [];
  for (const repo of candidates) {
    if (await verifySignature(repo.webhookSecret, body, signature)) signedBy.push(repo);
  }
  // A repository's secret speaks for that registration only, not for the same repository registered
  // by another organization; the global secret speaks for all.
  let scope: 'all' | CandidateRepository[];
  if (signedBy.length) scope = signedBy;
  else if (config.githubWebhookSecret && (await verifySignature(config.githubWebhookSecret, body, signature)))
    scope = 'all';
  else throw badSignature();

  let payload: unknown;
  try {
    payload = decodePayload(body, contentType);
  } catch {
    throw apiError(400, ErrorCode.validation, 'The payload is not valid JSON.');
  }
  refuseBadText(payload);

  const answer = (extra: Partial<WebhookResponse>, status: 200 | 202 = 200) =>
    c.json({ ok: true, event, delivery, ...extra } satisfies WebhookResponse, status);

  if (!(HANDLED_GITHUB_EVENTS as readonly string[]).includes(event)) {
    return answer({ ignored: `event "${event || '(none)'}" is not handled` }, 202);
  }

  let push: GithubPushPayload | undefined;
  if (event === 'push') {
    const parsed = GithubPushPayload.safeParse(payload);
    if (!parsed.success)
      throw apiError(400, ErrorCode.validation, 'Not a push payload: ref and repository are required.');
    push = parsed.data;
  }

  const outcome = await db.transaction(async (tx) => {
    const [fresh] = await tx
      .insert(webhookDeliveries)
      .values({ deliveryId: delivery, event })
      .onConflictDoNothing()
      .returning();
    if (!fresh) return { ignored: 'duplicate delivery' };
    // GitHub redelivers within days; older ids only grow the table. The index keeps this cheap.
    await tx
      .delete(webhookDeliveries)
      .where(
        lt(webhookDeliveries.receivedAt, sql`now() - make_interval(days => ${DELIVERY_RETENTION_DAYS})`),
      );
    if (!push) return {};
    const branch = branchOfRef(push.ref);
    if (!branch) return { ignored: 'not a branch push' };
    if (isBranchDeletion(push)) return { ignored: 'branch deleted' };
    let repositoryIds = scope === 'all' ? [] : scope.map((r) => r.id);
    const hints = repositoryHints(push);
    if (scope === 'all' && hints) {
      const named = await matchingRepositories(tx, hints, { localMode: config.localMode, limit: 1000 });
      repositoryIds = named.map((r) => r.id);
    }
    return { marked: await markPendingPull(tx, repositoryIds, branch), repositoryIds, branch };
  });

  if ('marked' in outcome && outcome.marked) {
    // Running workspaces pull now, in their rooms; the others pull when they next run (pendingPull).
    const running = outcome.marked.filter((w) => w.status === 'running');
    // The branch's prebuild follows the push, in the background (worker/lib/prebuild-refresh.ts).
    // The branch's prebuild follows the push, in the background: the same setup definition is
    // fast-forwarded and snapshotted (worker/lib/prebuild-refresh.ts); a changed one needs the whole
    // setup, which the branch's builder runs on its alarm (durable-objects/prebuild-builder.ts).
    const env = c.env;
    c.executionCtx.waitUntil(
      Promise.allSettled(
        outcome.repositoryIds.map(async (id) => {
          const refreshed = await refreshPrebuild(config, id, outcome.branch);
          if (refreshed === 'setup definition changed')
            await requestBuilds(env, id, [outcome.branch], 'push');
          // No prebuild, but one was built for before (its build failed, say): the push may fix it.
          else if (refreshed === 'no prebuild yet')
            await requestBuilds(env, id, [outcome.branch], 'push', { onlyIfBuiltBefore: true });
        }),
      ).then((results) => {
        for (const r of results)
          if (r.status === 'rejected') console.error('prebuild refresh failed:', r.reason);
      }),
    );
    c.executionCtx.waitUntil(
      Promise.allSettled(running.map((w) => roomFor(c.env, w.id).pull())).then((results) => {
        for (const r of results)
          if (r.status === 'rejected') console.error('scheduling a pull failed:', r.reason);
      }),
    );
    return answer({ workspaces: outcome.marked.length });
  }
  return answer('ignored' in outcome ? { ignored: outcome.ignored } : {});
});

/** `POST /api/workspaces/:id/pull` (members): the same pull, now, answering with what happened. */
export const workspacePull = new Hono<AppEnv>().post('/:id/pull', async (c): Reply<PullResponse> => {
  const { db, principal } = c.var;
  const ws = await loadWorkspace(db, principal, c.req.param('id'), 'workspace.use');
  const room = roomFor(c.env, ws.id);
  unwrap(await room.ensureRunning(actorOf(principal)));
  const { result, workspace } = unwrap(await room.pullNow(actorOf(principal)));
  return c.json({ ...result, workspace }, 200);
});
