import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pty from '@lydell/node-pty';
import { until } from './helpers';

// The real OpenSSH client from Debian, configured only by these options (no ~/.ssh, no agent).

const knownHosts = join(mkdtempSync(join(tmpdir(), 'ssh-kh-')), 'known_hosts');

export function sshOptions(port: number, user: string): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'BatchMode=yes',
    '-o',
    'LogLevel=ERROR',
    '-o',
    `User=${user}`,
    '-o',
    `Port=${port}`,
  ];
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `prog args` to its end; env without SSH_AUTH_SOCK so no agent key is offered. */
export function run(prog: string, args: string[], timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.SSH_AUTH_SOCK;
    const child = spawn(prog, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `ssh -tt` on a real terminal: what a person at a keyboard sees. */
export function interactiveSsh(port: number, user: string) {
  const p = pty.spawn('ssh', [...sshOptions(port, user), '-tt', '127.0.0.1'], {
    name: 'xterm-256color',
    cols: 100,
    rows: 30,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, TERM: 'xterm-256color' },
  });
  let screen = '';
  let exit: number | undefined;
  p.onData((d) => (screen += d));
  p.onExit(({ exitCode }) => (exit = exitCode));
  return {
    type: (s: string) => p.write(s),
    screen: () => screen,
    waitFor: (re: RegExp, ms = 10_000) => until(() => re.test(screen), `screen ${re}`, ms),
    exited: () => until(() => exit !== undefined && { code: exit }, 'ssh to exit'),
    resize: (cols: number, rows: number) => p.resize(cols, rows),
    kill: () => p.kill(),
  };
}
