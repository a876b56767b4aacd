import type { Auth } from '../auth';

/**
 * The session from Better Auth's signed cookie cache, read the way Better Auth's `getSession` reads it
 * (better-auth/dist/api/routes/session.mjs, the "compact" strategy), without its endpoint machinery
 * (context, validation, hooks) and with the HMAC key imported once per isolate rather than per
 * request. It accepts only what `getSession` would answer from the cache with no refresh; anything else
 * (no cache cookie, a chunked one, a bad signature, expired, another token, ...) is `null`, and the
 * caller asks Better Auth, which then reads the database, expires a bad cache and renews it. A pair of
 * cookies verified once is remembered per isolate (bounded), its expiry still checked on every use:
 * signed, they cannot change, so this answers as verifying again would, without the HMAC and parsing.
 */
export interface CachedSession {
  sessionId: string;
  user: { id: string; name: string; email: string; image: string | null };
}

interface Reader {
  tokenCookie: string;
  dataCookie: string;
  key: CryptoKey;
  /** Caches verified before, by their exact cookies (signed, so they cannot change): see `verified`. */
  seen: Map<string, Verified>;
}

/** A verified cache: what it answers, and until when (checked against the clock on every use). */
interface Verified {
  session: CachedSession;
  expiresAt: number;
  sessionExpires: number;
}

/** Enough for every signed-in user an isolate serves at once; the oldest goes first. */
const SEEN_MAX = 256;

const readers = new WeakMap<Auth, Promise<Reader | null>>();

function readerFor(auth: Auth): Promise<Reader | null> {
  let reader = readers.get(auth);
  if (!reader) {
    reader = (async () => {
      const ctx = await auth.$context;
      const cache = ctx.options.session?.cookieCache as
        { enabled?: boolean; strategy?: string; version?: unknown } | undefined;
      // Only the configuration this reads like Better Auth does: compact, version "1", no refresh.
      if (!cache?.enabled || (cache.strategy ?? 'compact') !== 'compact' || cache.version) return null;
      if (ctx.sessionConfig.cookieRefreshCache !== false) return null;
      const key = await crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(ctx.secret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['verify'],
      );
      return {
        tokenCookie: ctx.authCookies.sessionToken.name,
        dataCookie: ctx.authCookies.sessionData.name,
        key,
        seen: new Map(),
      };
    })().catch(() => null);
    readers.set(auth, reader);
  }
  return reader;
}

/** The first value of each named cookie, as better-call parses them (quotes off, %-decoded). */
function cookies(header: string, names: string[]): (string | undefined)[] {
  const out: (string | undefined)[] = names.map(() => undefined);
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const i = names.indexOf(part.slice(0, eq).trim());
    if (i < 0 || out[i] !== undefined) continue;
    let value = part.slice(eq + 1).trim();
    if (value.charCodeAt(0) === 34) value = value.slice(1, -1);
    try {
      out[i] = value.includes('%') ? decodeURIComponent(value) : value;
    } catch {
      out[i] = value;
    }
  }
  return out;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const tables = [`${BASE64}+/`, `${BASE64}-_`].map((alphabet) => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
});

/** Better Auth's lenient base64 (either alphabet, stops at `=`), or null where it would throw. */
function base64Bytes(s: string): Uint8Array<ArrayBuffer> | null {
  const table = tables[s.includes('-') || s.includes('_') ? 1 : 0]!;
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let n = 0;
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61) break; // '='
    const v = c < 128 ? table[c]! : -1;
    if (v < 0) return null;
    buffer = ((buffer << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (buffer >> bits) & 255;
    }
  }
  return out.subarray(0, n);
}

const utf8 = new TextDecoder();
const encoder = new TextEncoder();
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

/** Whether Better Auth's JSON reviver turns `v` into a Date. */
const isDate = (v: unknown): v is string =>
  typeof v === 'string' && ISO_DATE.test(v) && !Number.isNaN(new Date(v).getTime());
/** A string Better Auth's reviver leaves a string (its schema wants these as strings). */
const isText = (v: unknown): v is string => typeof v === 'string' && !isDate(v);
const optionalText = (v: unknown) => v === undefined || v === null || isText(v);
const optionalDate = (v: unknown) => v === undefined || isDate(v);
/** The text Better Auth verifies: its parse revives dates, its JSON.stringify writes them back. */
const asRevived = (_key: string, v: unknown) => (isDate(v) ? new Date(v).toJSON() : v);

export async function sessionFromCookieCache(auth: Auth, headers: Headers): Promise<CachedSession | null> {
  const header = headers.get('cookie');
  if (!header) return null;
  const reader = await readerFor(auth);
  if (!reader) return null;
  const [signedToken, data] = cookies(header, [reader.tokenCookie, reader.dataCookie]);
  if (!signedToken || !data) return null;
  // The same two cookies verify the same way every time: only their expiry depends on the clock.
  const id = `${signedToken}\n${data}`;
  let entry = reader.seen.get(id);
  if (!entry) {
    const fresh = await verified(reader, signedToken, data);
    if (!fresh) return null;
    if (reader.seen.size >= SEEN_MAX) reader.seen.delete(reader.seen.keys().next().value!);
    reader.seen.set(id, (entry = fresh));
  }
  const now = Date.now();
  if (entry.expiresAt < now || entry.sessionExpires < now) {
    reader.seen.delete(id);
    return null;
  }
  return entry.session;
}

/** Everything Better Auth checks of the cache but the clock, or null where it would not answer from it. */
async function verified(reader: Reader, signedToken: string, data: string): Promise<Verified | null> {
  // The session token cookie: `token.signature`, the signature standard base64 of 44 characters.
  const dot = signedToken.lastIndexOf('.');
  if (dot < 1) return null;
  const token = signedToken.slice(0, dot);
  const tokenSignature = signedToken.slice(dot + 1);
  if (tokenSignature.length !== 44 || !tokenSignature.endsWith('=')) return null;

  // The cache: base64url of `{ session, expiresAt, signature }`, signed over `{ ...session, expiresAt }`.
  const bytes = base64Bytes(data);
  if (!bytes) return null;
  let parsed: { session?: unknown; expiresAt?: unknown; signature?: unknown };
  try {
    parsed = JSON.parse(utf8.decode(bytes));
  } catch {
    return null;
  }
  const { session: payload, expiresAt, signature } = parsed ?? {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  if (typeof expiresAt !== 'number' || typeof signature !== 'string') return null;
  const payloadSignature = base64Bytes(signature);
  const tokenBytes = (() => {
    try {
      const bin = atob(tokenSignature);
      return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
    } catch {
      return null;
    }
  })();
  if (!payloadSignature || !tokenBytes) return null;
  const [tokenOk, payloadOk] = await Promise.all([
    crypto.subtle.verify('HMAC', reader.key, tokenBytes, encoder.encode(token)),
    crypto.subtle.verify(
      'HMAC',
      reader.key,
      payloadSignature,
      encoder.encode(JSON.stringify({ ...payload, expiresAt }, asRevived)),
    ),
  ]);
  if (!tokenOk || !payloadOk) return null;

  // What Better Auth's schema and checks require of the cached session before it answers from it.
  const { session, user, updatedAt, version } = payload as Record<string, unknown>;
  const s = session as Record<string, unknown> | null;
  const u = user as Record<string, unknown> | null;
  if (typeof s !== 'object' || s === null || typeof u !== 'object' || u === null) return null;
  if (typeof updatedAt !== 'number' || (version !== undefined && version !== '1' && version !== '')) {
    return null;
  }
  if (!isText(s.id) || !isText(s.token) || !isDate(s.expiresAt)) return null;
  if (!optionalText(s.ipAddress) || !optionalText(s.userAgent)) return null;
  if (!optionalDate(s.createdAt) || !optionalDate(s.updatedAt)) return null;
  if (!isText(u.id) || !isText(u.name) || !isText(u.email) || !optionalText(u.image)) return null;
  if (!optionalDate(u.createdAt) || !optionalDate(u.updatedAt)) return null;
  if (u.emailVerified !== undefined && typeof u.emailVerified !== 'boolean') return null;
  if (s.token !== token) return null;
  const sessionExpires = new Date(s.expiresAt).getTime();
  if (!Number.isFinite(sessionExpires)) return null;
  return {
    session: {
      sessionId: s.id,
      user: {
        id: u.id,
        name: u.name,
        email: u.email.toLowerCase(),
        image: (u.image as string | null) ?? null,
      },
    },
    expiresAt,
    sessionExpires,
  };
}
