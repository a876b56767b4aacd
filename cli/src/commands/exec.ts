import type { Command } from 'commander';
import { shellQuote } from '../../../core/shell';
import { CliError, Exit } from '../errors';
import { resolveWorkspace } from '../workspaces';
import { apiFromLogin } from './workspaces';

/** One argument is a shell command as typed; several are quoted word by word (`cw exec w -- ls -la`). */
export const commandLine = (args: string[]) =>
  args.length === 1 ? args[0]! : args.map(shellQuote).join(' ');

export function execCommand(program: Command) {
  program
    .command('exec <workspace> <command...>')
    .description("run a command in the workspace's clone: its output as is, its exit code as ours")
    .option('--timeout <seconds>', 'kill it after this long (default 60, at most 600)')
    .action(async (ref: string, args: string[], o: { timeout?: string }) => {
      const api = apiFromLogin();
      const w = await resolveWorkspace(api, ref);
      const r = await api.exec(w.id, commandLine(args), o.timeout ? Number(o.timeout) * 1000 : undefined);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      if (r.truncated) process.stderr.write('\n[cw: output was cut at 1 MiB]\n');
      if (r.timedOut) throw new CliError('The command timed out and was killed.', 124);
      process.exitCode = r.exitCode ?? Exit.failure;
    });
}
