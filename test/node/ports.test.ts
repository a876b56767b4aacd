import { describe, expect, it } from 'vitest';
import { signForward, verifyForward } from '../../core/forward-token';
import { parsePreviewHost, previewUrl, safePreviewPath } from '../../core/ports';
import { parseProcNetTcp } from '../../core/vm';

const ID = '0b7e8a44-5d0c-4f7e-9a51-3c2d1e0f9a8b';

describe('preview hosts', () => {
  it('reads the port and workspace of a preview host, and nothing else', () => {
    expect(parsePreviewHost(`3000-${ID}.localhost:8787`, 'localhost:8787')).toEqual({
      port: 3000,
      workspaceId: ID,
    });
    expect(parsePreviewHost(`3000-${ID.toUpperCase()}.Preview.Example.com`, 'preview.example.com')).toEqual({
      port: 3000,
      workspaceId: ID,
    });
    for (const bad of [
      `0-${ID}.localhost:8787`,
      `70000-${ID}.localhost:8787`,
      `03000-${ID}.localhost:8787`,
      `3000-${ID}.localhost:9999`,
      `3000-${ID}.evil.localhost:8787`,
      `x.3000-${ID}.localhost:8787`,
      '127.0.0.1:8787',
      `3000-${ID}localhost:8787`,
    ]) {
      expect(parsePreviewHost(bad, 'localhost:8787')).toBeNull();
    }
    expect(previewUrl('https', 5173, ID, 'preview.example.com')).toBe(
      `https://5173-${ID}.preview.example.com`,
    );
  });

  it('goes back only to a path of the same host', () => {
    expect(safePreviewPath('/a?b=1')).toBe('/a?b=1');
    for (const bad of ['//evil.example/', 'https://evil.example/', '/\\evil.example', '', undefined]) {
      expect(safePreviewPath(bad)).toBe('/');
    }
  });
});

describe('forward-auth token', () => {
  it('verifies its own token until it expires, and no altered one', async () => {
    const now = Date.now();
    const token = await signForward('s'.repeat(32), ID, 3000, now);
    expect(await verifyForward('s'.repeat(32), token, now)).toEqual({ workspaceId: ID, port: 3000 });
    expect(await verifyForward('s'.repeat(32), token, now + 61_000)).toBeNull();
    expect(await verifyForward('t'.repeat(32), token, now)).toBeNull();
    expect(await verifyForward('s'.repeat(32), token.replace('.3000.', '.3001.'), now)).toBeNull();
    expect(await verifyForward('s'.repeat(32), 'garbage', now)).toBeNull();
  });
});

describe('/proc/net/tcp', () => {
  it('lists listening ports once, with their address', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1',
      '   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1',
      '   2: 0100007F:0BB8 0100007F:D3A4 01 00000000:00000000 00:00000000 00000000     0        0 3 1',
      '   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 0 0 0 0 0 4 1',
      '   1: 00000000000000000000000000000000:1435 00000000000000000000000000000000:0000 0A 0 0 0 0 0 5 1',
    ].join('\n');
    expect(parseProcNetTcp(text)).toEqual([
      { port: 3000, address: '127.0.0.1' },
      { port: 5173, address: '::' },
      { port: 8080, address: '0.0.0.0' },
    ]);
  });

  it('writes IPv6 addresses the usual way, and skips lines that are not sockets', () => {
    const v6 = (hex: string, port: string) =>
      `   0: ${hex}:${port} 00000000000000000000000000000000:0000 0A 0 0 0 0 0 4 1`;
    const text = [
      v6('00000000000000000000000001000000', '0BB8'),
      v6('0000000000000000FFFF00000100007F', '0BB9'),
      v6('000080FE00000000FF005452AB896745', '0BBA'),
      '   1: 0100007F:ZZZZ 00000000:0000 0A',
      '   2: 7F:0BBB 00000000:0000 0A',
      'garbage',
    ].join('\n');
    expect(parseProcNetTcp(text)).toEqual([
      { port: 3000, address: '::1' },
      { port: 3001, address: '::ffff:7f00:1' },
      { port: 3002, address: 'fe80::5254:ff:4567:89ab' },
    ]);
  });
});

describe('terminal links', () => {
  it('opens localhost links printed in a workspace terminal at the preview URL', async () => {
    const { localLinkToPreview } = await import('../../core/ports');
    const p = { scheme: 'http', domain: 'localhost:8787' };
    expect(localLinkToPreview('http://localhost:5173/', ID, p)).toBe(`http://5173-${ID}.localhost:8787/`);
    expect(localLinkToPreview('http://127.0.0.1:3000/a?b=1#c', ID, p)).toBe(
      `http://3000-${ID}.localhost:8787/a?b=1#c`,
    );
    expect(localLinkToPreview('http://0.0.0.0:8080', ID, p)).toBe(`http://8080-${ID}.localhost:8787/`);
    expect(localLinkToPreview('https://example.com:3000/', ID, p)).toBeNull();
    expect(localLinkToPreview('http://localhost:99999/', ID, p)).toBeNull();
    expect(localLinkToPreview('http://localhost:3000/', ID, undefined)).toBeNull();
  });
});

describe('preview configuration', () => {
  const base = {
    DATABASE_URL: 'postgres://x',
    BETTER_AUTH_SECRET: 's'.repeat(32),
    FREESTYLE_API_KEY: 'k',
    LOCAL_MODE: 'true',
  };
  it('defaults locally to *.localhost on the app port, also when the app itself is on localhost', async () => {
    const { parseConfig } = await import('../../core/config');
    for (const url of ['http://127.0.0.1:8787', 'http://localhost:8787']) {
      expect(parseConfig({ ...base, BETTER_AUTH_URL: url }).preview).toEqual({
        domain: 'localhost:8787',
        scheme: 'http',
        vmDomain: 'localhost',
        forwardUrl: undefined,
        forwardAuthUrl: `${new URL(url).origin}/api/preview/forward-auth`,
      });
    }
    // The local stack's relay past wrangler's dev proxy (scripts/local/worker-direct.ts).
    expect(
      parseConfig({
        ...base,
        BETTER_AUTH_URL: 'http://127.0.0.1:8787',
        FORWARD_AUTH_URL: 'http://127.0.0.1:9000/api/preview/forward-auth',
      }).preview?.forwardAuthUrl,
    ).toBe('http://127.0.0.1:9000/api/preview/forward-auth');
    expect(
      parseConfig({ ...base, LOCAL_MODE: 'false', BETTER_AUTH_URL: 'https://w.example.com' }).preview,
    ).toBeUndefined();
    expect(() =>
      parseConfig({
        ...base,
        BETTER_AUTH_URL: `http://3000-${ID}.localhost:8787`,
        PREVIEW_DOMAIN: 'localhost:8787',
      }),
    ).toThrow(/preview host/);
  });

  it("refuses preview hosts under the app's host in production: their pages could set its cookies", async () => {
    const { parseConfig } = await import('../../core/config');
    const prod = { ...base, LOCAL_MODE: 'false', BETTER_AUTH_URL: 'https://w.example.com' };
    for (const PREVIEW_DOMAIN of ['w.example.com', 'preview.w.example.com'])
      expect(() => parseConfig({ ...prod, PREVIEW_DOMAIN })).toThrow(/PREVIEW_DOMAIN must not be/);
    expect(parseConfig({ ...prod, PREVIEW_DOMAIN: 'example-previews.dev' }).preview?.domain).toBe(
      'example-previews.dev',
    );
  });
});
