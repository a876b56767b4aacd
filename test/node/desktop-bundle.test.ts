import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../desktop-electron/', import.meta.url));

describe('desktop bundle', () => {
  it('builds a main process and a preload that a sandboxed renderer can load', () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: dir, stdio: 'pipe' });
    const preload = readFileSync(`${dir}dist/preload.cjs`, 'utf8');
    // A sandboxed preload may require only 'electron' (and a few polyfilled built-ins), nothing bundled from disk.
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));
    expect(preload).toContain('exposeInMainWorld');
    const main = readFileSync(`${dir}dist/main.cjs`, 'utf8');
    expect(main).toMatch(/require\(["']electron["']\)/);
  });
});
