// Bundles the main process and the preload (TypeScript, with ../core) into dist/ as CommonJS: Electron's
// sandboxed preloads cannot be ES modules, and one format for both keeps it simple. `electron` stays
// external. Uses this folder's esbuild, or the repository root's when run from a checkout.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  external: ['electron'],
  sourcemap: true,
  logLevel: 'warning',
};
await Promise.all([
  build({ ...common, entryPoints: [join(root, 'src/main.ts')], outfile: join(root, 'dist/main.cjs') }),
  build({ ...common, entryPoints: [join(root, 'src/preload.ts')], outfile: join(root, 'dist/preload.cjs') }),
]);
console.log('desktop-electron: built dist/main.cjs and dist/preload.cjs');
