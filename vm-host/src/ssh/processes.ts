import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import pty from '@lydell/node-pty';
import type { ServerChannel } from 'ssh2';
import { processTree, signalAll } from '../procs';
import type { Vm, VmManager } from '../vm-manager';

// An SSH channel's process, spawned through the VM manager's spawn path (the same sandbox, cgroups and
// environment as PTY sessions and execs), either on a terminal or on pipes.

export interface ChannelProcess {
  resize(cols: number, rows: number): void;
  signal(name: string): void;
  kill(): void;
}

export interface Terminal {
  term: string;
  cols: number;
  rows: number;
}

const signalNumber = (s: string | null) => (s ? ((constants.signals as Record<string, number>)[s] ?? 0) : 0);

function killTree(pid: number) {
  signalAll(processTree([pid]), 'SIGKILL');
}

/** Runs argv in the VM with the channel as its terminal or stdio; ends the channel with its exit status. */
export function runOnChannel(
  manager: VmManager,
  vm: Vm,
  channel: ServerChannel,
  argv: string[],
  opts: { terminal?: Terminal; env?: Record<string, string>; cwd?: string },
): ChannelProcess {
  const env = { ...opts.env, ...(opts.terminal ? { TERM: opts.terminal.term || 'xterm-256color' } : {}) };
  const spec = manager.spawnSpec(vm, argv, { env, cwd: opts.cwd });
  let done = false;
  const finish = (code: number | null, signal: string | null) => {
    if (done) return;
    done = true;
    if (code !== null) channel.exit(code);
    else channel.exit(signal?.replace(/^SIG/, '') ?? 'KILL', false, '');
    channel.end();
  };

  if (opts.terminal) {
    const p = pty.spawn(spec.file, spec.args, {
      name: env.TERM,
      cols: Math.max(1, opts.terminal.cols || 80),
      rows: Math.max(1, opts.terminal.rows || 24),
      cwd: spec.cwd,
      env: spec.env,
      encoding: null,
    });
    vm.roots.add(p.pid);
    p.onData((d) => {
      if (!channel.write(d as unknown as Buffer)) {
        p.pause();
        channel.once('drain', () => p.resume());
      }
    });
    channel.on('data', (d: Buffer) => p.write(d as unknown as string));
    // The terminal's output is all in once the process is gone; give the last read a moment to land.
    p.onExit(({ exitCode, signal }) => {
      vm.roots.delete(p.pid);
      setTimeout(() => finish(signal ? 128 + signal : exitCode, null), 20);
    });
    channel.on('close', () => done || killTree(p.pid));
    return {
      resize: (cols, rows) => p.resize(Math.max(1, cols), Math.max(1, rows)),
      signal: (name) => p.kill(`SIG${name}`),
      kill: () => killTree(p.pid),
    };
  }

  const child = spawn(spec.file, spec.args, {
    env: spec.env,
    cwd: spec.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid;
  if (pid) vm.roots.add(pid);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  channel.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  child.on('error', () => finish(127, null));
  // 'close' waits for stdout and stderr, so the exit status follows all the output.
  child.on('close', (code, signal) => {
    if (pid) vm.roots.delete(pid);
    finish(code ?? (signal ? 128 + signalNumber(signal) : 1), null);
  });
  channel.on('close', () => done || (pid && killTree(pid)));
  return {
    resize: () => undefined,
    signal: (name) => {
      if (pid) signalAll(processTree([pid]), `SIG${name}` as NodeJS.Signals);
    },
    kill: () => pid && killTree(pid),
  };
}
