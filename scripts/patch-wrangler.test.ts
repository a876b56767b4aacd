import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
// @ts-expect-error: a plain .mjs script without types (it runs at postinstall, before any build)
import { patchProxyWorker } from './patch-wrangler.mjs';

const installed = fileURLToPath(
  new URL('../node_modules/wrangler/wrangler-dist/ProxyWorker.js', import.meta.url),
);

describe("the install's patch of wrangler dev's proxy", () => {
  it('is applied to the installed wrangler, from its pristine copy, and is valid JavaScript', () => {
    const pristine = readFileSync(`${installed}.orig`, 'utf8');
    const patched = patchProxyWorker(pristine) as string;
    expect(readFileSync(installed, 'utf8')).toBe(patched);
    // A bodyless request is sent again; a forward that still fails is that request's 502.
    expect(patched).toContain('bodyless ? forward() : Promise.reject(cause)');
    expect(patched).toContain('status: 502');
    expect(patchProxyWorker(patched)).toBe(patched);
    const file = join(mkdtempSync(join(tmpdir(), 'cw-patch-')), 'ProxyWorker.mjs');
    writeFileSync(file, patched);
    const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('refuses a proxy whose text it does not know, instead of leaving it unpatched in silence', () => {
    expect(() => patchProxyWorker('export default {}')).toThrow(
      /not the one scripts\/patch-wrangler.mjs knows/,
    );
  });

  // The patched proxy's own code, run with a forward to the Worker that fails the way it did in CI.
  describe('forwarding', () => {
    const realFetch = globalThis.fetch;
    type WorkerdHeaders = Headers & { getAll?: (name: string) => string[] };
    const headers = Headers.prototype as WorkerdHeaders;
    afterEach(() => {
      globalThis.fetch = realFetch;
      delete headers.getAll;
    });

    async function proxyWith(answers: (() => Promise<Response>)[]) {
      const file = join(mkdtempSync(join(tmpdir(), 'cw-proxy-')), 'ProxyWorker.mjs');
      writeFileSync(file, readFileSync(installed, 'utf8'));
      const { ProxyWorker } = await import(file);
      // workerd's Headers has getAll('set-cookie'), which the proxy uses; Node's has getSetCookie().
      headers.getAll = function (this: Headers, name: string) {
        return name.toLowerCase() === 'set-cookie' ? this.getSetCookie() : [this.get(name) ?? ''];
      };
      const toController = vi.fn(async (_url: string, _init: { body: string }) => new Response(null));
      const worker = new ProxyWorker({}, { PROXY_CONTROLLER: { fetch: toController } });
      worker.proxyData = {
        userWorkerUrl: { protocol: 'http:', hostname: '127.0.0.1', port: '9' },
        headers: {},
      };
      const forwarded: string[] = [];
      globalThis.fetch = (async (url: URL, req: Request) => {
        forwarded.push(`${req.method} ${new URL(url).host}`);
        const next = answers.shift();
        if (!next) throw new Error('no more answers');
        return next();
      }) as typeof fetch;
      const send = (init?: RequestInit) =>
        worker.fetch(
          new Request('http://localhost:8787/api/organizations/o/events', init),
        ) as Promise<Response>;
      const controllerMessages = () => toController.mock.calls.map((c) => JSON.parse(c[1].body).type);
      return { send, forwarded, controllerMessages };
    }
    const lost = () => Promise.reject(new Error('Network connection lost.'));
    const ok = () => Promise.resolve(new Response('from the Worker'));

    it('sends a bodyless request once more when its forward fails, and answers what the Worker said', async () => {
      const p = await proxyWith([lost, ok]);
      const res = await p.send();
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('from the Worker');
      expect(p.forwarded).toEqual(['GET 127.0.0.1:9', 'GET 127.0.0.1:9']);
      expect(p.controllerMessages()).toEqual([]);
    });

    it('answers 502 to that request alone when the second forward fails too; wrangler is not told to stop', async () => {
      const p = await proxyWith([lost, lost, ok]);
      const res = await p.send();
      expect(res.status).toBe(502);
      expect(await res.text()).toContain('Network connection lost');
      expect(p.controllerMessages()).toEqual([]);
      // The next request is served as usual.
      expect((await p.send()).status).toBe(200);
    });

    it('never sends a request with a body twice: its failed forward is a 502 at once', async () => {
      const p = await proxyWith([lost, ok]);
      const res = await p.send({ method: 'POST', body: '{"a":1}' });
      expect(res.status).toBe(502);
      expect(p.forwarded).toEqual(['POST 127.0.0.1:9']);
      expect(p.controllerMessages()).toEqual([]);
    });
  });
});
