import { shellQuote } from '../../core/shell';
import { VM_WORKSPACE_PATH } from '../../core/vm';
import {
  EXEC_DEFAULT_TIMEOUT_MS,
  EXEC_OUTPUT_CAP_BYTES,
  type ExecInput,
} from '../../core/schemas/workspaces';
import type { SealedSecretRow } from '../../db/queries/secrets';
import type { Actor, ExecRunResult } from './contract';
import { workspaceEnvironment } from './environment';
import { recordActivity } from './idle';
import { ensureRunning } from './lifecycle';
import { notRunning, vmFailure } from './results';
import type { RoomState } from './state';
import { setupEnv } from './setup';

// The command API (`POST .../exec`): resumes through the lifecycle like any viewer, runs in the clone,
// caps what it returns, and counts as activity (it defers the idle pause).

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function cap(text: string): { text: string; cut: boolean } {
  const bytes = encoder.encode(text);
  if (bytes.length <= EXEC_OUTPUT_CAP_BYTES) return { text, cut: false };
  // Cutting mid-character leaves a replacement char at worst; the stream stays valid UTF-8.
  return { text: decoder.decode(bytes.subarray(0, EXEC_OUTPUT_CAP_BYTES)), cut: true };
}

function workingDirectory(cwd: string | undefined): string {
  if (!cwd) return VM_WORKSPACE_PATH;
  return cwd.startsWith('/') ? cwd : `${VM_WORKSPACE_PATH}/${cwd}`;
}

export async function execCommand(
  s: RoomState,
  actor: Actor,
  input: ExecInput,
  sealed?: SealedSecretRow[],
): Promise<ExecRunResult> {
  // The caller's personal secrets over the workspace's, over the devcontainer env: an exec is that
  // person's command. The Worker read the sealed rows in its authorization batch (`sealed`), so they
  // are as fresh as the request and cost no round trip here; without them the room reads them while
  // it reads the workspace.
  const environment = setupEnv(s).then((base) => workspaceEnvironment(s, actor.userId, base, sealed));
  environment.catch(() => {});
  const running = await ensureRunning(s, actor, true);
  if (!running.ok) return running;
  const vmId = running.meta.vmId;
  if (!vmId) return notRunning('provisioning');
  const command = `cd -- ${shellQuote(workingDirectory(input.cwd))} || exit 97\n${input.command}`;
  const started = Date.now();
  let result;
  try {
    const env = await environment;
    result = await s.deps.vm.exec(vmId, {
      command,
      timeoutMs: input.timeoutMs ?? EXEC_DEFAULT_TIMEOUT_MS,
      ...(Object.keys(env).length ? { env } : {}),
    });
  } catch (err) {
    return vmFailure(err, 'run the command');
  }
  // Activity, as a keystroke is: the idle timer sees it at once, the row's `lastActiveAt` within a
  // minute (recordActivity stamps it at most once a minute, after the answer), so an exec costs no
  // round trip of its own.
  recordActivity(s);
  const stdout = cap(result.stdout ?? '');
  const stderr = cap(result.stderr ?? '');
  return {
    ok: true,
    result: {
      stdout: stdout.text,
      stderr: stderr.text,
      exitCode: result.statusCode ?? null,
      durationMs: Date.now() - started,
      timedOut: result.statusCode === null,
      truncated: stdout.cut || stderr.cut || !!result.stdoutTruncated || !!result.stderrTruncated,
    },
  };
}
