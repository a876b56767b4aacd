import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Command } from 'commander';
import { CliError, Exit } from '../errors';
import { note } from '../output';
import { hostBlock, hostKeyOptions, installHostBlock, proxyCommand } from '../ssh-files';
import { allWorkspaces, requireRunnable, resolveWorkspace } from '../workspaces';
import { apiFromLogin } from './workspaces';

// OpenSSH options that take a value: `-L 8080:localhost:8080` is two words.
const WITH_VALUE = new Set('BbcDEeFIiJLlmOoPpQRSWw'.split(''));

/** Splits `cw ssh w -- <args>` into ssh's options (before the host) and the remote command (after). */
export function splitSshArgs(args: string[]): { options: string[]; command: string[] } {
  const options: string[] = [];
  let i = 0;
  while (i < args.length && args[i]!.startsWith('-')) {
    const a = args[i++]!;
    if (a === '--') break;
    options.push(a);
    if (a.length === 2 && WITH_VALUE.has(a[1]!) && i < args.length) options.push(args[i++]!);
  }
  return { options, command: args.slice(i) };
}

function run(prog: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(prog, args, { stdio: 'inherit' });
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new CliError(`\`${prog}\` is not installed or not on PATH.`) : e),
    );
    child.once('close', (code, signal) =>
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)),
    );
  });
}

export function sshCommands(program: Command) {
  program
    .command('ssh <workspace> [args...]')
    .description('ssh into the workspace (`cw ssh w -- -L 3000:localhost:3000`, `cw ssh w -- ls`)')
    .action(async (ref: string, args: string[]) => {
      const api = apiFromLogin();
      const w = await resolveWorkspace(api, ref);
      requireRunnable(w);
      const a = await api.ssh(w.id);
      const { options, command } = splitSshArgs(args);
      const sshArgs = [
        ...hostKeyOptions(),
        '-o',
        `ProxyCommand=${proxyCommand(w.id)}`,
        '-p',
        String(a.port),
        '-l',
        a.user,
        ...options,
        a.host,
        ...command,
      ];
      process.exitCode = await run('ssh', sshArgs);
    });

  program
    .command('ssh-config')
    .description('Host blocks for your running workspaces (1 h tokens); --write adds them to ~/.ssh/config')
    .option('--write', 'install them (an Include in ~/.ssh/config) instead of printing')
    .action(async (o: { write?: boolean }) => {
      const api = apiFromLogin();
      const all = await allWorkspaces(api);
      const running = all.filter((w) => w.status === 'running');
      for (const w of all.filter((x) => x.status !== 'running')) note(`# skipped ${w.name}: ${w.status}`);
      for (const w of running) {
        const a = await api.ssh(w.id);
        if (o.write) note(`${a.hostAlias}: ${installHostBlock(a, w.id)}`);
        else process.stdout.write(hostBlock(a, w.id) + '\n');
      }
    });

  program
    .command('code <workspace>')
    .description("open the workspace's clone in VS Code (Remote-SSH)")
    .action(async (ref: string) => {
      const api = apiFromLogin();
      const w = await resolveWorkspace(api, ref);
      requireRunnable(w);
      const a = await api.ssh(w.id);
      installHostBlock(a, w.id);
      const uri = `vscode-remote://ssh-remote+${a.hostAlias}/workspace`;
      try {
        process.exitCode = await run('code', ['--folder-uri', uri]);
      } catch (e) {
        throw new CliError(
          `${(e as Error).message}\nInstall VS Code with the Remote-SSH extension, then open ${uri}\n(host "${a.hostAlias}" is in ~/.ssh/config now).`,
          Exit.failure,
        );
      }
    });
}
