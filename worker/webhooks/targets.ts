import { and, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import { cloudWorkspaces, repositories } from '../../db/schema';
import type { Database } from '../../db/client';

/** The database or a transaction on it. */
type Db = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

/** How a payload names its repository: GitHub's full name and/or URLs (local repositories are `file://`). */
export interface RepositoryHints {
  fullName: string | null;
  urls: string[];
}

/** Decodes a delivery body: GitHub sends JSON, or `payload=<json>` form-encoded. Throws when malformed. */
export function decodePayload(body: Uint8Array, contentType: string | undefined): unknown {
  const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new SyntaxError('form body without a payload field');
    return JSON.parse(payload);
  }
  return JSON.parse(text);
}

const str = (v: unknown, max: number) => (typeof v === 'string' && v.length <= max ? v : null);
const normalizeUrl = (u: string) => u.trim().replace(/\/+$/, '');

/**
 * The repository a payload claims to be about. Before verification this is untrusted: it is used only to
 * find candidate secrets (as bound SQL parameters), never for anything else.
 */
export function repositoryHints(payload: unknown): RepositoryHints | null {
  if (!payload || typeof payload !== 'object') return null;
  const repo = (payload as { repository?: unknown }).repository;
  if (!repo || typeof repo !== 'object') return null;
  const r = repo as Record<string, unknown>;
  const fullName = str(r.full_name, 300);
  const urls = [...new Set([r.clone_url, r.html_url, r.url].map((u) => str(u, 2000)).filter((u) => !!u))].map(
    (u) => normalizeUrl(u!),
  );
  if (!fullName && !urls.length) return null;
  return { fullName, urls };
}

/** How much of a body is scanned for the repository before its signature is known. */
const SCAN_BYTES = 64 * 1024;
const field = (text: string, name: string, max: number) =>
  // No control characters (NUL never reaches a query, even as a bound parameter).
  text.match(new RegExp(`"${name}"\\s*:\\s*"([^"\\\\\\u0000-\\u001f]{1,${max}})"`))?.[1] ?? null;

/**
 * The repository an unverified delivery claims to be about, found without parsing it: a bounded scan of
 * its start for the first `full_name` and URLs (GitHub puts `repository` before the large parts of a
 * push). Only chooses which secrets to try; nothing of the body is trusted until one matches.
 */
export function scanRepositoryHints(
  body: Uint8Array,
  contentType: string | undefined,
): RepositoryHints | null {
  let text = new TextDecoder('utf-8', { fatal: false }).decode(body.subarray(0, SCAN_BYTES));
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    // Cut a percent-escape split by the bound, then decode what is left.
    text = text.replace(/%[0-9a-fA-F]?$/, '').replace(/\+/g, ' ');
    try {
      text = decodeURIComponent(text);
    } catch {
      return null;
    }
  }
  return repositoryHints({
    repository: {
      full_name: field(text, 'full_name', 300),
      clone_url: field(text, 'clone_url', 2000),
      html_url: field(text, 'html_url', 2000),
      url: field(text, 'url', 2000),
    },
  });
}

/**
 * A repository field of the scanned start that holds a null byte (raw or as `\u0000`): Postgres refuses
 * it even as a bound parameter, so the delivery is a 400 naming the field, before any query.
 */
export function scannedNulField(body: Uint8Array): string | null {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body.subarray(0, SCAN_BYTES));
  for (const name of ['full_name', 'clone_url', 'html_url', 'url']) {
    const m = text.match(new RegExp(`"${name}"\\s*:\\s*"((?:[^"\\\\]|\\\\.){0,2000})"`));
    if (m && (m[1]!.includes('\\u0000') || m[1]!.includes('\0'))) return `repository.${name}`;
  }
  return null;
}

export interface CandidateRepository {
  id: string;
  organizationId: string;
  webhookSecret: string;
}

/**
 * Repositories a payload may be about, across organizations: GitHub ones by full name (case-insensitive),
 * local ones (no full name) by clone URL, the latter only in local mode.
 */
export async function matchingRepositories(
  db: Db,
  hints: RepositoryHints,
  opts: { localMode: boolean; limit: number },
): Promise<CandidateRepository[]> {
  const conds: SQL[] = [];
  if (hints.fullName) conds.push(sql`lower(${repositories.fullName}) = lower(${hints.fullName})`);
  if (opts.localMode && hints.urls.length) {
    conds.push(and(sql`${repositories.fullName} is null`, inArray(repositories.url, hints.urls))!);
  }
  if (!conds.length) return [];
  return (
    db
      .select({
        id: repositories.id,
        organizationId: repositories.organizationId,
        webhookSecret: repositories.webhookSecret,
      })
      .from(repositories)
      .where(or(...conds))
      // A fixed order, oldest registration first: later registrations by others cannot push it out.
      .orderBy(repositories.createdAt, repositories.id)
      .limit(opts.limit)
  );
}

/**
 * Marks every workspace of these repositories on `branch` as owing a pull (durable: a resume, a start or
 * an on-demand pull honours it even if the room never hears from us) and returns them.
 */
export async function markPendingPull(
  db: Db,
  repositoryIds: string[],
  branch: string,
): Promise<{ id: string; status: string }[]> {
  if (!repositoryIds.length) return [];
  return db
    .update(cloudWorkspaces)
    .set({ pendingPull: true, updatedAt: new Date() })
    .where(and(inArray(cloudWorkspaces.repositoryId, repositoryIds), eq(cloudWorkspaces.branch, branch)))
    .returning({ id: cloudWorkspaces.id, status: cloudWorkspaces.status });
}
