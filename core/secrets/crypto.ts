// AES-256-GCM with WebCrypto (the same in workerd, Node and browsers). SECRETS_ENCRYPTION_KEY holds one
// or more base64 32-byte keys, comma-separated: the first encrypts, every one decrypts (rotation, see
// docs/secrets.md). A key's id is the first 8 bytes of its SHA-256, stored beside each ciphertext.
// The additional data binds a ciphertext to its scope, owner and name, so a row copied elsewhere fails.

/** WebCrypto's key type, named through the global every runtime has (Node's types lack `CryptoKey`). */
type Bytes = Uint8Array<ArrayBuffer>;
type AesKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

export interface Keyring {
  currentId: string;
  keys: Map<string, AesKey>;
}

export interface SealedSecret {
  keyId: string;
  /** base64 */
  iv: string;
  /** base64, the GCM tag included */
  ciphertext: string;
}

const b64 = (bytes: Uint8Array) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const unb64 = (s: string): Bytes => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** Why the variable cannot be a keyring, or null. Names no key material. */
export function keyringProblem(spec: string): string | null {
  const parts = spec.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !p)) return 'must be base64 keys separated by commas';
  for (const [i, p] of parts.entries()) {
    let raw: Bytes;
    try {
      raw = unb64(p);
    } catch {
      return `key ${i + 1} is not base64`;
    }
    if (raw.length !== 32)
      return `key ${i + 1} must be 32 bytes (openssl rand -base64 32), not ${raw.length}`;
  }
  return null;
}

export async function keyId(raw: Bytes): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', raw));
  return Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

const cache = new Map<string, Promise<Keyring>>();

/** Imports the keys once per isolate. */
export function loadKeyring(spec: string): Promise<Keyring> {
  let ring = cache.get(spec);
  if (!ring) {
    ring = importKeyring(spec);
    cache.set(spec, ring);
    ring.catch(() => cache.delete(spec));
  }
  return ring;
}

async function importKeyring(spec: string): Promise<Keyring> {
  const problem = keyringProblem(spec);
  if (problem) throw new Error(`SECRETS_ENCRYPTION_KEY ${problem}`);
  const keys = new Map<string, AesKey>();
  let currentId = '';
  for (const part of spec.split(',')) {
    const raw = unb64(part.trim());
    const id = await keyId(raw);
    keys.set(id, await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']));
    currentId ||= id;
  }
  return { currentId, keys };
}

export const secretAad = (scope: string, ownerId: string, name: string): Bytes =>
  new TextEncoder().encode(`cloud-workspaces:secret:v1:${scope}:${ownerId}:${name}`);

export async function seal(ring: Keyring, plaintext: string, aad: Bytes): Promise<SealedSecret> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = ring.keys.get(ring.currentId)!;
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: aad },
    key,
    new TextEncoder().encode(plaintext),
  );
  return { keyId: ring.currentId, iv: b64(iv), ciphertext: b64(new Uint8Array(ct)) };
}

/** Throws when the key is not in the ring or the ciphertext (or its owner, name) was altered. */
export async function open(ring: Keyring, sealed: SealedSecret, aad: Bytes): Promise<string> {
  const key = ring.keys.get(sealed.keyId);
  if (!key) throw new Error(`no key with id ${sealed.keyId} in SECRETS_ENCRYPTION_KEY`);
  const pt = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: unb64(sealed.iv), additionalData: aad },
    key,
    unb64(sealed.ciphertext),
  );
  return new TextDecoder().decode(pt);
}
