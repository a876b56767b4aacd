// `npm run desktop` at the repository root: starts the desktop app where Electron is installed, and says
// how to install it where it is not (the root `npm ci` never installs Electron: its binary download
// fails offline).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

let electronBinary;
try {
  // The package exports the path of its downloaded binary, and throws when the download did not happen.
  electronBinary = require('electron');
} catch {
  electronBinary = null;
}
if (typeof electronBinary !== 'string') {
  console.error(
    [
      'Electron is not installed for the desktop app.',
      '',
      'Install it once (needs internet: Electron downloads its binary):',
      '  cd desktop-electron && npm install',
      'then run `npm run desktop` again (or `cd desktop-electron && npm start`).',
      '',
      'The app opens http://127.0.0.1:8787 (start it with `npm start`); another server:',
      '  CLOUD_WORKSPACES_URL=https://workspaces.example.com npm run desktop',
    ].join('\n'),
  );
  process.exit(1);
}

await import('./build.mjs');
const child = spawn(electronBinary, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
