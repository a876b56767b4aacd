import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { EditorId } from '../../core/desktop-bridge';

const LAUNCHERS: Record<EditorId, string> = { vscode: 'code', cursor: 'cursor' };

/** Where the launchers live when a GUI app's PATH lacks them (macOS apps started from the Dock). */
const KNOWN_DIRS: Record<string, string[]> = {
  darwin: [
    '/usr/local/bin',
    '/opt/homebrew/bin',
    '/Applications/Visual Studio Code.app/Contents/Resources/app/bin',
    '/Applications/Cursor.app/Contents/Resources/app/bin',
  ],
  linux: ['/usr/local/bin', '/usr/bin', '/snap/bin'],
  win32: [],
};

function isExecutable(p: string, platform: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    if (platform !== 'win32') accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The launchers (`code`, `cursor`) found on PATH or in their usual places. */
export function findEditors(opts: {
  env: Record<string, string | undefined>;
  platform: string;
}): Partial<Record<EditorId, string>> {
  const dirs = [
    ...(opts.env.PATH ?? opts.env.Path ?? '').split(delimiter).filter(Boolean),
    ...(KNOWN_DIRS[opts.platform] ?? []),
  ];
  const exts = opts.platform === 'win32' ? ['.cmd', '.exe'] : [''];
  const found: Partial<Record<EditorId, string>> = {};
  for (const [id, name] of Object.entries(LAUNCHERS) as [EditorId, string][]) {
    outer: for (const dir of dirs)
      for (const ext of exts) {
        const p = join(dir, name + ext);
        if (isExecutable(p, opts.platform)) {
          found[id] = p;
          break outer;
        }
      }
  }
  return found;
}

/**
 * Opens `folder` in the editor, detached. No shell on macOS/Linux; on Windows the `.cmd` launchers need
 * cmd.exe, so the folder (already validated as an absolute path) must not contain cmd metacharacters.
 */
export function launchEditor(
  launcher: string,
  folder: string,
  platform: string = process.platform,
  spawnFn: typeof spawn = spawn,
) {
  if (platform === 'win32' && /["%^&|<>!]/.test(folder))
    throw new Error('This folder name cannot be passed to the editor launcher safely.');
  const child =
    platform === 'win32' && launcher.toLowerCase().endsWith('.cmd')
      ? spawnFn('cmd.exe', ['/d', '/s', '/c', `"${launcher}" "${folder}"`], {
          detached: true,
          stdio: 'ignore',
          windowsHide: true,
          windowsVerbatimArguments: true,
        })
      : spawnFn(launcher, [folder], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}
