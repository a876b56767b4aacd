import { SELF, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config';
import { signForward } from '../../core/forward-token';
import { BASE } from './helpers';

// The VM platform's forward auth (`/api/preview/forward-auth`), asked before every request to a port's
// own domain: it passes only the Worker's token for that workspace and port, on that port's host, for
// its 60 s. An attacker who reaches the platform's domain directly has none of these to offer.

const config = parseConfig(env as unknown as Env);
const SECRET = config.auth.secret;
const { vmDomain, domain } = config.preview!;
const W = crypto.randomUUID();
const OTHER = crypto.randomUUID();

async function ask(token: string | undefined, host: string | undefined, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = { ...extra };
  if (token !== undefined) headers.cookie = `__cw_fwd=${token}`;
  if (host !== undefined) headers['x-forwarded-host'] = host;
  const r = await SELF.fetch(`${BASE}/api/preview/forward-auth`, { headers });
  await r.body?.cancel();
  return r.status;
}

describe('forward auth', () => {
  it("passes the Worker's token on its own port's host, either domain, and nothing else", async () => {
    const token = await signForward(SECRET, W, 3000);
    expect(await ask(token, `3000-${W}.${vmDomain}`)).toBe(200);
    expect(await ask(token, `3000-${W}.${domain}`)).toBe(200);
    expect(await ask(token, `3000-${W}.${vmDomain.toUpperCase()}:443`)).toBe(200);
    const refused: [string, string | undefined, string | undefined][] = [
      ['no token', undefined, `3000-${W}.${vmDomain}`],
      ['no host', token, undefined],
      ['another port', token, `3001-${W}.${vmDomain}`],
      ['another workspace', token, `3000-${OTHER}.${vmDomain}`],
      ['another domain', token, `3000-${W}.evil.example`],
      ['two hosts in one header', token, `3000-${W}.${vmDomain}, 3001-${W}.${vmDomain}`],
      ['the port changed in the token', token.replace('.3000.', '.3001.'), `3001-${W}.${vmDomain}`],
      ['the workspace changed', token.replace(W, OTHER), `3000-${OTHER}.${vmDomain}`],
      ['a truncated signature', token.slice(0, -4), `3000-${W}.${vmDomain}`],
      ['no signature', token.slice(0, token.lastIndexOf('.')), `3000-${W}.${vmDomain}`],
      ['expired', await signForward(SECRET, W, 3000, Date.now() - 61_000), `3000-${W}.${vmDomain}`],
      ['signed with another secret', await signForward(`${SECRET}x`, W, 3000), `3000-${W}.${vmDomain}`],
      // A session token or cache is signed with the same secret, but not as a forward token.
      ['garbage', 'a.b.c.d', `3000-${W}.${vmDomain}`],
    ];
    for (const [why, t, host] of refused) expect(await ask(t, host), why).toBe(401);
  });

  it('is answered on the app origin only: on a preview host the path is the VM app’s', async () => {
    const token = await signForward(SECRET, W, 3000);
    // A workspace that does not exist: the preview host's own 404, never the forward-auth "ok".
    const r = await SELF.fetch(`http://3000-${W}.${domain}/api/preview/forward-auth`, {
      headers: { cookie: `__cw_fwd=${token}`, 'x-forwarded-host': `3000-${W}.${vmDomain}` },
    });
    expect(r.status).toBe(404);
    expect(await r.text()).not.toBe('ok');
  });
});
