import { shellQuote } from '../../core/shell';
import { createVmClient, VM_WORKSPACE_PATH } from '../../core/vm';
import { ErrorCode } from '../../core/errors';
import {
  EXEC_DEFAULT_TIMEOUT_MS,
  EXEC_OUTPUT_CAP_BYTES,
  type ExecInput,
  type ExecResponse,
} from '../../core/schemas/workspaces';
import { getWorkspace, touchWorkspace, type WorkspaceRow } from '../../db/queries/workspaces';
import { vmFailure } from '../../durable-objects/room/results';
import type { Database } from '../../db/client';
import type { Config } from '../../core/config';
import type { Principal } from '../types';
import { apiError } from './errors';
import { roomFor, transitionVia, unwrap } from './rooms';

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

/** Makes sure the workspace runs (resuming a paused one), for exec and terminals. */
export async function ensureRunning(
  db: Database,
  env: Env,
  ws: WorkspaceRow,
  principal: Principal,
): Promise<WorkspaceRow> {
  if (ws.status === 'paused') {
    try {
      return (await transitionVia(env, ws.id, 'resume', principal)).workspace;
    } catch (err) {
      // Someone else resumed it a moment ago: that is what we wanted.
      const now = await getWorkspace(db, ws.id);
      if (now?.status === 'running') return now;
      throw err;
    }
  }
  if (ws.status !== 'running') {
    throw apiError(409, ErrorCode.notRunning, `The workspace is ${ws.status}; it must be running.`, {
      status: ws.status,
    });
  }
  return ws;
}

export async function execInWorkspace(
  db: Database,
  env: Env,
  config: Config,
  ws: WorkspaceRow,
  principal: Principal,
  input: ExecInput,
): Promise<ExecResponse> {
  const running = await ensureRunning(db, env, ws, principal);
  const vm = createVmClient({
    baseUrl: config.vmApiUrl,
    apiKey: config.vmApiKey,
    fetch: fetch.bind(globalThis),
  });
  const command = `cd -- ${shellQuote(workingDirectory(input.cwd))} || exit 97\n${input.command}`;
  const started = Date.now();
  let result;
  try {
    result = await vm.exec(running.freestyleVmId!, {
      command,
      timeoutMs: input.timeoutMs ?? EXEC_DEFAULT_TIMEOUT_MS,
    });
  } catch (err) {
    unwrap(vmFailure(err));
    throw err;
  }
  await touchWorkspace(db, ws.id);
  await roomFor(env, ws.id).recordActivity(); // exec is activity: it defers the idle pause
  const stdout = cap(result.stdout ?? '');
  const stderr = cap(result.stderr ?? '');
  return {
    stdout: stdout.text,
    stderr: stderr.text,
    exitCode: result.statusCode ?? null,
    durationMs: Date.now() - started,
    timedOut: result.statusCode === null,
    truncated: stdout.cut || stderr.cut || !!result.stdoutTruncated || !!result.stderrTruncated,
  };
}
