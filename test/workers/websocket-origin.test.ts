import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BASE, createOrg, signUp } from './helpers';

async function openEvents(org: string, cookie: string, origin?: string) {
  const headers: Record<string, string> = { upgrade: 'websocket', cookie };
  if (origin) headers.origin = origin;
  const res = await SELF.fetch(`${BASE}/api/organizations/${org}/events`, { headers });
  res.webSocket?.accept();
  res.webSocket?.close(1000);
  return res.status;
}

describe('cookie-authenticated WebSockets', () => {
  it("refuse another site's page, and accept our own", async () => {
    const user = await signUp();
    const org = await createOrg(user);
    expect(await openEvents(org, user.cookie, 'https://evil.example')).toBe(403);
    expect(await openEvents(org, user.cookie, BASE)).toBe(101);
    // Programs (no Origin header, like the desktop app's main process) are not browsers' pages.
    expect(await openEvents(org, user.cookie)).toBe(101);
  });
});
