// Electron's main process entry (bundled to dist/main.cjs by scripts/build.mjs).
import * as electron from 'electron';
import { join } from 'node:path';
import { startDesktop } from './app';

startDesktop(electron, {
  argv: process.argv,
  env: process.env,
  platform: process.platform,
  preloadPath: join(__dirname, 'preload.cjs'),
  defaultApp: Boolean((process as { defaultApp?: boolean }).defaultApp),
  execPath: process.execPath,
}).catch((err) => {
  console.error('Cloud Workspaces failed to start:', err);
  electron.app.quit();
});
