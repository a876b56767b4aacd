// The Worker's proof to our forward auth that a request to a VM's port came through it: a short-lived
// HMAC over the workspace, the port and an expiry, sent as a cookie the edge withholds from the VM
// (`protectedCookies`). Without it the VM platform's public domain for a port would skip our checks.
// WebCrypto only: workerd, Node and browsers all have it.

const enc = new TextEncoder();
const keys = new Map<string, ReturnType<typeof crypto.subtle.importKey>>();

function keyFor(secret: string) {
  let k = keys.get(secret);
  if (!k) {
    k = crypto.subtle.importKey(
      'raw',
      enc.encode(`forward:${secret}`),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    keys.set(secret, k);
  }
  return k;
}

const b64url = (buf: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

export const FORWARD_TOKEN_TTL_MS = 60_000;

export async function signForward(secret: string, workspaceId: string, port: number, now = Date.now()) {
  const exp = now + FORWARD_TOKEN_TTL_MS;
  const sig = await crypto.subtle.sign(
    'HMAC',
    await keyFor(secret),
    enc.encode(`${workspaceId}.${port}.${exp}`),
  );
  return `${workspaceId}.${port}.${exp}.${b64url(sig)}`;
}

// Tokens already found genuine, until they expire: the Worker reuses one token for half a minute,
// so the forward auth (asked before every request) computes its HMAC about once per token.
const verified = new Map<string, { secret: string; workspaceId: string; port: number; exp: number }>();

/** The workspace and port a token was made for, when it is genuine and unexpired. */
export async function verifyForward(
  secret: string,
  token: string | undefined,
  now = Date.now(),
): Promise<{ workspaceId: string; port: number } | null> {
  const hit = token ? verified.get(token) : undefined;
  if (hit && hit.secret === secret && hit.exp > now) return { workspaceId: hit.workspaceId, port: hit.port };
  const parts = token?.split('.');
  if (!parts || parts.length !== 4) return null;
  const [workspaceId, port, exp, sig] = parts as [string, string, string, string];
  if (!(Number(exp) > now)) return null;
  const expected = b64url(
    await crypto.subtle.sign('HMAC', await keyFor(secret), enc.encode(`${workspaceId}.${port}.${exp}`)),
  );
  if (expected.length !== sig.length) return null;
  let diff = 0;
  for (let i = 0; i < sig.length; i++) diff |= expected.charCodeAt(i) ^ sig.charCodeAt(i);
  if (diff !== 0) return null;
  if (verified.size > 1000) verified.clear();
  verified.set(token!, { secret, workspaceId, port: Number(port), exp: Number(exp) });
  return { workspaceId, port: Number(port) };
}

const recent = new Map<string, { token: string; exp: number }>();

/** A token for this workspace and port, reused while it has more than half its life left. */
export async function forwardToken(secret: string, workspaceId: string, port: number, now = Date.now()) {
  const key = `${workspaceId}.${port}`;
  const hit = recent.get(key);
  if (hit && hit.exp - now > FORWARD_TOKEN_TTL_MS / 2) return hit.token;
  const token = await signForward(secret, workspaceId, port, now);
  if (recent.size > 1000) recent.clear();
  recent.set(key, { token, exp: now + FORWARD_TOKEN_TTL_MS });
  return token;
}
