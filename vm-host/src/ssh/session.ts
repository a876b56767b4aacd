import { existsSync } from 'node:fs';
import type { ServerChannel, Session } from 'ssh2';
import type { Vm, VmManager } from '../vm-manager';
import { loginCwd, type Login } from './login';
import { runOnChannel, type ChannelProcess, type Terminal } from './processes';

/** OpenSSH's SFTP server, run inside the VM: files are read and written as the VM's processes do. */
const SFTP_SERVERS = ['/usr/lib/openssh/sftp-server', '/usr/libexec/sftp-server', '/usr/lib/sftp-server'];
export const sftpServer = () => SFTP_SERVERS.find((p) => existsSync(p));

// Environment a client may send (ssh's SendEnv default: the locale); anything else is refused.
const ACCEPTED_ENV = /^(LANG|LC_[A-Z]+|COLORTERM)$/;

/** One SSH session channel: an optional terminal, then a shell, a command or the SFTP subsystem. */
export function serveSession(
  session: Session,
  manager: VmManager,
  vm: Vm,
  login: Login,
  ready: () => Promise<void>,
  log: (line: string) => void,
) {
  let terminal: Terminal | undefined;
  // sshd's login environment for the account; the client's accepted variables go over it.
  const env: Record<string, string> = {
    USER: login.name,
    LOGNAME: login.name,
    HOME: login.home,
    SHELL: login.shell,
  };
  const cwd = loginCwd(manager.store.disk(vm.record.id), login);
  let proc: ChannelProcess | undefined;

  session.on('pty', (ok, _no, info) => {
    terminal = { term: info.term, cols: info.cols, rows: info.rows };
    ok?.();
  });
  session.on('env', (ok, no, { key, val }) => {
    if (!ACCEPTED_ENV.test(key)) return no?.();
    env[key] = val;
    ok?.();
  });
  session.on('window-change', (ok, _no, info) => {
    if (terminal) Object.assign(terminal, { cols: info.cols, rows: info.rows });
    proc?.resize(info.cols, info.rows);
    ok?.();
  });
  session.on('signal', (ok, _no, { name }) => {
    proc?.signal(name);
    ok?.();
  });

  // Accepted at once: ssh2 drops a channel whose client already sent EOF (`ssh host cmd </dev/null`)
  // before the accept; its input waits in the channel while the VM wakes.
  const start = (accept: () => ServerChannel, argv: string[], withTerminal: boolean) => {
    const channel = accept();
    ready().then(
      () => {
        proc = runOnChannel(manager, vm, channel, argv, {
          terminal: withTerminal ? terminal : undefined,
          env,
          cwd,
        });
      },
      (err: Error) => {
        log(`[vm-host] ssh: VM ${vm.record.id} not ready: ${err.message}`);
        channel.stderr.write(`${err.message}\r\n`);
        channel.exit(1);
        channel.end();
      },
    );
  };
  // As sshd: the account's login shell, `-l` for a login and `-c` for a command.
  session.on('shell', (ok) => start(ok, [login.shell, '-l'], true));
  session.on('exec', (ok, _no, { command }) => start(ok, [login.shell, '-c', command], true));
  session.on('subsystem', (ok, no, { name }) => {
    const server = name === 'sftp' ? sftpServer() : undefined;
    if (!server) {
      log(`[vm-host] ssh: subsystem ${name} refused${name === 'sftp' ? ' (no sftp-server installed)' : ''}`);
      return no?.();
    }
    start(ok, [server], false);
  });
}
