import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IdentityData, VmPermission } from '../../core/vm/identity-types';
import { HostError, badRequest, notFound } from './errors';

// Freestyle's identities (node_modules/freestyle/src/identities.ts): an identity holds access tokens and
// per-VM grants; the SSH gateway admits `<vmId>[+<linuxUser>]:<token>` when the token's identity has a
// grant on that VM. Persisted in `<dataDir>/identities.json`; tokens only as sha256 digests.

interface TokenRecord {
  id: string;
  identityId: string;
  sha256: string;
  /** Local extension: Freestyle's tokens live until revoked. */
  expiresAt: string | null;
}

interface Saved {
  identities: (IdentityData & { createdAt: string })[];
  tokens: TokenRecord[];
  permissions: VmPermission[];
}

export type AdmitResult =
  | { ok: true; identityId: string; tokenId: string }
  | { ok: false; reason: 'unknown_token' | 'expired' | 'no_permission' | 'linux_user' };

const digest = (s: string) => createHash('sha256').update(s).digest('hex');
const newId = () => randomBytes(10).toString('hex');
/** The account every local identity belongs to (Freestyle answers the caller's account id). */
export const LOCAL_ACCOUNT = 'local';

export class IdentityStore {
  private data: Saved = { identities: [], tokens: [], permissions: [] };
  private readonly file: string;
  /** Called with the token ids that stopped being valid, so open SSH connections can be closed. */
  onRevoked: (tokenIds: string[]) => void = () => undefined;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'identities.json');
    if (existsSync(this.file)) this.data = JSON.parse(readFileSync(this.file, 'utf8')) as Saved;
  }

  private save() {
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    renameSync(`${this.file}.tmp`, this.file);
  }

  create(body: Record<string, unknown>): IdentityData {
    const identity = { id: newId(), managed: body.managed === true, createdAt: new Date().toISOString() };
    this.data.identities.push(identity);
    this.save();
    return { id: identity.id, managed: identity.managed };
  }

  list(q: URLSearchParams) {
    const all = this.data.identities.filter((i) => q.get('includeManaged') === 'true' || !i.managed);
    const offset = Number(q.get('offset') ?? 0) || 0;
    const limit = Number(q.get('limit') ?? 100) || 100;
    return {
      identities: all.slice(offset, offset + limit).map(({ id, managed }) => ({ id, managed })),
      total: all.length,
    };
  }

  get(id: string) {
    const i = this.data.identities.find((x) => x.id === id);
    if (!i) throw notFound(`identity ${id}`);
    return { id: i.id, accountId: LOCAL_ACCOUNT, managed: i.managed };
  }

  delete(id: string) {
    if (this.get(id).managed)
      throw new HostError(409, 'IDENTITY_MANAGED', 'managed identities cannot be deleted');
    const gone = this.data.tokens.filter((t) => t.identityId === id).map((t) => t.id);
    this.data.identities = this.data.identities.filter((i) => i.id !== id);
    this.data.tokens = this.data.tokens.filter((t) => t.identityId !== id);
    this.data.permissions = this.data.permissions.filter((p) => p.identityId !== id);
    this.save();
    this.onRevoked(gone);
  }

  createToken(identityId: string, body: Record<string, unknown>) {
    this.get(identityId);
    const ttl = body.expiresInSeconds;
    if (ttl !== undefined && (typeof ttl !== 'number' || !(ttl > 0)))
      throw badRequest('expiresInSeconds must be a positive number');
    // base64url: no `:` or `+`, which separate the parts of the SSH user name.
    const token = randomBytes(32).toString('base64url');
    const rec: TokenRecord = {
      id: newId(),
      identityId,
      sha256: digest(token),
      expiresAt: typeof ttl === 'number' ? new Date(Date.now() + ttl * 1000).toISOString() : null,
    };
    this.data.tokens.push(rec);
    this.save();
    return { id: rec.id, token };
  }

  listTokens(identityId: string) {
    this.get(identityId);
    return this.data.tokens.filter((t) => t.identityId === identityId).map((t) => ({ id: t.id }));
  }

  revokeToken(identityId: string, tokenId: string) {
    const before = this.data.tokens.length;
    this.data.tokens = this.data.tokens.filter((t) => !(t.identityId === identityId && t.id === tokenId));
    if (this.data.tokens.length === before) throw notFound(`token ${tokenId}`);
    this.save();
    this.onRevoked([tokenId]);
  }

  grant(identityId: string, body: Record<string, unknown>, vmExists: (id: string) => boolean): VmPermission {
    this.get(identityId);
    if (typeof body.vmId !== 'string' || !vmExists(body.vmId)) throw notFound(`VM ${String(body.vmId)}`);
    const users = parseUsers(body.allowedLinuxUsers);
    const existing = this.data.permissions.find((p) => p.identityId === identityId && p.vmId === body.vmId);
    if (existing)
      throw new HostError(409, 'PERMISSION_ALREADY_EXISTS', `identity already has VM ${body.vmId}`);
    const p: VmPermission = {
      id: newId(),
      identityId,
      vmId: body.vmId,
      allowedLinuxUsers: users,
      grantedAt: new Date().toISOString(),
      grantedBy: LOCAL_ACCOUNT,
    };
    this.data.permissions.push(p);
    this.save();
    return p;
  }

  permissions(identityId: string) {
    this.get(identityId);
    return this.data.permissions.filter((p) => p.identityId === identityId);
  }

  permission(identityId: string, vmId: string) {
    const p = this.permissions(identityId).find((x) => x.vmId === vmId);
    if (!p) throw notFound(`permission of identity ${identityId} on VM ${vmId}`);
    return p;
  }

  updatePermission(identityId: string, vmId: string, body: Record<string, unknown>) {
    const p = this.permission(identityId, vmId);
    p.allowedLinuxUsers = parseUsers(body.allowedLinuxUsers);
    this.save();
    return p;
  }

  revokePermission(identityId: string, vmId: string) {
    this.permission(identityId, vmId);
    this.data.permissions = this.data.permissions.filter(
      (p) => !(p.identityId === identityId && p.vmId === vmId),
    );
    this.save();
    this.onRevoked(this.data.tokens.filter((t) => t.identityId === identityId).map((t) => t.id));
  }

  /** The gateway's check: a live token whose identity may use this VM as this Linux user. */
  admit(vmId: string, linuxUser: string, token: string): AdmitResult {
    const d = Buffer.from(digest(token), 'hex');
    const t = this.data.tokens.find((x) => timingSafeEqual(Buffer.from(x.sha256, 'hex'), d));
    if (!t) return { ok: false, reason: 'unknown_token' };
    if (t.expiresAt && Date.parse(t.expiresAt) <= Date.now()) return { ok: false, reason: 'expired' };
    const p = this.data.permissions.find((x) => x.identityId === t.identityId && x.vmId === vmId);
    if (!p) return { ok: false, reason: 'no_permission' };
    if (p.allowedLinuxUsers && !p.allowedLinuxUsers.includes(linuxUser))
      return { ok: false, reason: 'linux_user' };
    return { ok: true, identityId: t.identityId, tokenId: t.id };
  }

  /** Whether a token admitted earlier still is (checked again on every new channel). */
  stillValid(tokenId: string, vmId: string) {
    const t = this.data.tokens.find((x) => x.id === tokenId);
    if (!t || (t.expiresAt && Date.parse(t.expiresAt) <= Date.now())) return false;
    return this.data.permissions.some((p) => p.identityId === t.identityId && p.vmId === vmId);
  }
}

function parseUsers(v: unknown): string[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || !v.every((u) => typeof u === 'string' && u)) {
    throw badRequest('allowedLinuxUsers must be an array of user names, or null');
  }
  return v as string[];
}
