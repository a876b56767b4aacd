import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
});
