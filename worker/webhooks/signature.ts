// GitHub signs each delivery with HMAC-SHA256 over the raw body: `X-Hub-Signature-256: sha256=<hex>`.
// Verification uses WebCrypto's `verify`, which compares in constant time.

const HEADER = /^sha256=([0-9a-fA-F]{64})$/;
const encoder = new TextEncoder();

/** The 32 signature bytes, or null when the header is missing or not `sha256=<64 hex>`. */
export function parseSignatureHeader(value: string | undefined | null): Uint8Array<ArrayBuffer> | null {
  const m = value?.trim().match(HEADER);
  if (!m) return null;
  const hex = m[1]!;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export async function verifySignature(
  secret: string,
  body: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  if (!secret) return false;
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  return crypto.subtle.verify('HMAC', key, signature, body);
}

/** `sha256=<hex>` for a body, as GitHub would send it (tests and tools). */
export async function signBody(secret: string, body: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign('HMAC', key, typeof body === 'string' ? encoder.encode(body) : body);
  return 'sha256=' + Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Reads a request body up to `max` bytes; null when it is larger (the caller answers 413). Stops reading
 * as soon as the limit is passed, so an endless body costs no more than the limit.
 */
export async function readBodyCapped(req: Request, max: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
