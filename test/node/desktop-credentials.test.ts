import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DesktopApi } from '../../desktop-electron/src/api';
import { CredentialStore } from '../../desktop-electron/src/credentials';
import { createElectronDouble } from './desktop-electron-double';

const SECRET = 'cw_live_TOPSECRET_0123456789';
const creds = { serverOrigin: 'http://127.0.0.1:8787', userId: 'u1', apiKeyId: 'k1', apiKey: SECRET };

/** Every byte written under userData, as text. */
const everythingIn = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name)).toString('latin1'))
    .join('\n');

describe('desktop credential store', () => {
  it('encrypts with safeStorage into a 0600 file under userData and reads it back', () => {
    const d = createElectronDouble();
    const store = new CredentialStore(d.electron.safeStorage, d.userData);
    expect(store.save(creds)).toBe(true);
    expect(store.file.startsWith(d.userData)).toBe(true);
    expect(readFileSync(store.file).subarray(0, 4).toString()).toBe('ENC1');
    expect(everythingIn(d.userData)).not.toContain(SECRET);
    if (process.platform !== 'win32') expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(new CredentialStore(d.electron.safeStorage, d.userData).load()).toEqual(creds);
    store.clear();
    expect(existsSync(store.file)).toBe(false);
    expect(new CredentialStore(d.electron.safeStorage, d.userData).load()).toBeNull();
  });

  it('never writes plaintext when encryption is unavailable or only basic_text', () => {
    for (const opts of [{ encryption: false }, { backend: 'basic_text' }]) {
      const d = createElectronDouble(opts);
      const store = new CredentialStore(d.electron.safeStorage, d.userData);
      expect(store.save(creds)).toBe(false);
      expect(store.load()).toEqual(creds); // this run only
      expect(readdirSync(d.userData)).toEqual([]);
    }
  });

  it('forgets a file it cannot decrypt', () => {
    const d = createElectronDouble();
    const store = new CredentialStore(d.electron.safeStorage, d.userData);
    store.save(creds);
    const other = new CredentialStore(
      {
        ...d.electron.safeStorage,
        decryptString: () => {
          throw new Error('other keychain');
        },
      },
      d.userData,
    );
    expect(other.load()).toBeNull();
    expect(existsSync(store.file)).toBe(false);
  });

  it('makes a key through the cookie session once, follows the signed-in user and revokes the old key', async () => {
    const d = createElectronDouble();
    const store = new CredentialStore(d.electron.safeStorage, d.userData);
    let user: string | null = 'u1';
    let n = 0;
    const cookieCalls: string[] = [];
    const bearerCalls: string[] = [];
    const api = new DesktopApi({
      serverOrigin: 'http://127.0.0.1:8787',
      store,
      sessionFetch: async (url, init) => {
        cookieCalls.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
        if (url.endsWith('/get-session')) return Response.json(user ? { user: { id: user } } : null);
        n++;
        return Response.json({ id: `k${n}`, key: `cw_key_${n}` }, { status: 201 });
      },
      fetch: (async (url: string, init?: RequestInit) => {
        bearerCalls.push(
          `${init?.method ?? 'GET'} ${new URL(url).pathname} ${(init?.headers as any)?.authorization}`,
        );
        return Response.json({ workspace: { id: 'w' } });
      }) as typeof fetch,
    });
    await api.workspace('w');
    await api.workspace('w');
    expect(cookieCalls.filter((c) => c.startsWith('POST'))).toEqual(['POST /api/api-keys']);
    expect(bearerCalls).toEqual([
      'GET /api/workspaces/w Bearer cw_key_1',
      'GET /api/workspaces/w Bearer cw_key_1',
    ]);
    expect(everythingIn(d.userData)).not.toContain('cw_key_1');

    user = 'u2';
    await api.workspace('w');
    expect(bearerCalls).toContain('DELETE /api/api-keys/k1 Bearer cw_key_1');
    expect(bearerCalls.at(-1)).toBe('GET /api/workspaces/w Bearer cw_key_2');
    expect(store.load()?.userId).toBe('u2');

    user = null;
    await expect(api.workspace('w')).rejects.toMatchObject({ status: 401, code: 'signed_out' });
  });
});
