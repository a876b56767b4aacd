import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { badRequest } from './errors';
import { processTree, signalAll } from './procs';
import type { Vm, VmManager } from './vm-manager';

/** Bytes of stdout and of stderr kept per exec; the rest is read and dropped so a flood cannot exhaust memory. */
export const EXEC_OUTPUT_CAP = 4 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 86_400_000;
const MAX_STDIN = 1024 * 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ExecRequest {
  command: string;
  linuxUser?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  stdin?: string;
}

export interface ExecResponse {
  stdout: string;
  stderr: string;
  statusCode: number | null;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
}

export function parseExecRequest(body: Record<string, unknown>): ExecRequest {
  if (typeof body.command !== 'string' || !body.command)
    throw badRequest('command must be a non-empty string');
  const req: ExecRequest = { command: body.command };
  if (body.linuxUser !== undefined && body.linuxUser !== null) {
    if (body.linuxUser !== 'root') {
      throw badRequest(`linux user ${String(body.linuxUser)} does not exist (local VMs have only root)`);
    }
    req.linuxUser = 'root';
  }
  if (body.timeoutMs !== undefined && body.timeoutMs !== null) {
    const t = body.timeoutMs;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > MAX_TIMEOUT_MS) {
      throw badRequest(`timeoutMs must be a number in (0, ${MAX_TIMEOUT_MS}]`);
    }
    req.timeoutMs = t;
  }
  if (body.env !== undefined && body.env !== null) {
    if (typeof body.env !== 'object') throw badRequest('env must be an object');
    for (const [k, v] of Object.entries(body.env)) {
      if (!ENV_NAME.test(k) || typeof v !== 'string') throw badRequest(`invalid env entry ${k}`);
    }
    req.env = body.env as Record<string, string>;
  }
  if (body.stdin !== undefined && body.stdin !== null) {
    if (typeof body.stdin !== 'string') throw badRequest('stdin must be a base64 string');
    req.stdin = body.stdin;
  }
  return req;
}

/** Collects a stream up to `cap` bytes and counts (but drops) the rest. */
class CappedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer) {
    const room = this.cap - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.truncated = true;
    this.chunks.push(part);
    this.size += part.length;
  }
  toString() {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Runs `bash -c command` in the VM and waits. A timeout kills the whole tree (the sandbox's PID namespace). */
export async function runExec(manager: VmManager, vm: Vm, req: ExecRequest): Promise<ExecResponse> {
  const stdin = req.stdin ? Buffer.from(req.stdin, 'base64') : undefined;
  if (stdin && stdin.length > MAX_STDIN) throw badRequest('stdin is limited to 1 MiB decoded');
  await manager.ensureRunning(vm);

  const spec = manager.spawnSpec(vm, ['/bin/bash', '-c', req.command], { env: req.env });
  const child = spawn(spec.file, spec.args, {
    env: spec.env,
    cwd: spec.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true, // own process group, so a no-bwrap tree can be signalled as a group
  });
  const pid = child.pid;
  if (pid) vm.roots.add(pid);
  const out = new CappedBuffer(EXEC_OUTPUT_CAP);
  const err = new CappedBuffer(EXEC_OUTPUT_CAP);
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  child.stdin.on('error', () => undefined); // the command may exit without reading stdin
  child.stdin.end(stdin);

  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (!pid) return;
    const tree = processTree([pid]);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // group already gone
    }
    signalAll(tree, 'SIGKILL');
  }, req.timeoutMs ?? DEFAULT_TIMEOUT_MS);

  const statusCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    // 'close' waits for the pipes too, so all output is in. A daemon holding them open is killed by timeout.
    child.on('close', (code, signal) => {
      if (code !== null) resolve(code);
      else resolve(128 + (signal ? (signalNumber(signal) ?? 0) : 0));
    });
  }).finally(() => {
    clearTimeout(timer);
    if (pid) vm.roots.delete(pid);
  });

  return {
    stdout: out.toString(),
    stderr: err.toString(),
    statusCode: timedOut ? null : statusCode,
    stdoutTruncated: out.truncated,
    stderrTruncated: err.truncated,
  };
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return (constants.signals as Record<string, number>)[signal];
}
