import type { DevcontainerResult } from '../../core/devcontainer';
import { setupPlan, type SetupPhase, type SetupPlan } from '../../core/setup-plan';
import { shellQuote } from '../../core/shell';
import type { VmClient } from '../../core/vm';

// The setup script on the VM, written the same way for a workspace and for a prebuild build: the plan
// as a bash file, and the secrets in a 0600 file the script sources and deletes first, so no value stays
// in the script or passes a URL.

const SCRIPT_DIR = '$HOME/.cloud-workspace';
const SCRIPT = `${SCRIPT_DIR}/setup.sh`;
/** What the PTY session runs. */
export const SETUP_EXEC = `bash -l "${SCRIPT}"`;

/** `export NAME='value'` lines a POSIX shell sources; names are already shell-safe (core/secrets). */
export const envScript = (env: Record<string, string>) =>
  Object.entries(env)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}\n`)
    .join('');

/** Base64 of UTF-8, for exec's `stdin`: the values travel in a request body, never a URL or argv. */
export function toBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The plan for `phase`, its script and environment file written when there is anything to run. */
export async function writeSetupScript(
  vm: VmClient,
  vmId: string,
  dc: DevcontainerResult,
  setupCommand: string | null,
  phase: SetupPhase,
  secrets: Record<string, string>,
): Promise<SetupPlan> {
  const envFile = `${SCRIPT_DIR}/env-${crypto.randomUUID()}`;
  const hasSecrets = Object.keys(secrets).length > 0;
  const prelude = hasSecrets ? `f="${envFile}"; . "$f"; rm -f "$f"; unset f` : undefined;
  const plan = setupPlan(dc, setupCommand, phase, prelude);
  if (!plan.script || !plan.command) return plan;
  const put = await vm.exec(vmId, {
    command: `mkdir -p "${SCRIPT_DIR}" && cat > "${SCRIPT}"`,
    stdin: toBase64(plan.script),
    timeoutMs: 30_000,
  });
  if (put.statusCode !== 0) throw new Error(`Could not write the setup script: ${put.stderr ?? ''}`);
  if (hasSecrets) {
    const wrote = await vm.exec(vmId, {
      command: `umask 077 && cat > "${envFile}"`,
      stdin: toBase64(envScript(secrets)),
      timeoutMs: 30_000,
    });
    if (wrote.statusCode !== 0) throw new Error('Could not write the setup environment.');
  }
  return plan;
}
