import { Command, CommanderError } from 'commander';
import { accountCommands } from './commands/account';
import { attachCommand } from './commands/attach';
import { execCommand } from './commands/exec';
import { sshCommands } from './commands/ssh';
import { sshProxyCommand } from './commands/ssh-proxy';
import { portsCommands } from './commands/ports';
import { workspaceCommands } from './commands/workspaces';
import { CliError, Exit } from './errors';

const program = new Command('cw')
  .description(
    "Cloud Workspaces from a terminal. Exit codes: 0 ok, 1 failure, 2 usage, 3 not signed in, 4 not found, 5 not running, 6 unreachable; `cw exec` exits with the command's code.",
  )
  .showHelpAfterError()
  .exitOverride();
accountCommands(program);
workspaceCommands(program);
execCommand(program);
attachCommand(program);
sshCommands(program);
sshProxyCommand(program);
portsCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : Exit.usage;
  } else if (e instanceof CliError) {
    process.stderr.write(`cw: ${e.message}\n`);
    process.exitCode = e.exitCode;
  } else {
    process.stderr.write(`cw: ${(e as Error).stack ?? e}\n`);
    process.exitCode = Exit.failure;
  }
}
