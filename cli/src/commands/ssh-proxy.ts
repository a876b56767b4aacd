import { connect } from 'node:net';
import type { Command } from 'commander';
import type { Api } from '../api';
import { ApiError } from '../api';
import { CliError, Exit } from '../errors';
import { apiFromLogin } from './workspaces';

// `cw ssh-proxy <workspace-id> <host> <port>`: OpenSSH's ProxyCommand for cw's connections (`cw ssh`,
// `cw code`, the Host blocks of `cw ssh-config`). The gateway is the VM platform's and tells us
// nothing, so cw is the one that does: the connection resumes a paused workspace, shows in presence
// as an `ssh` client for as long as it is open, and its traffic is activity (an active heartbeat), so
// the idle policy does not pause a workspace someone is using over SSH. Only SSH's bytes go to stdout.

/** After this long without a byte either way, the next keystroke checks the workspace is still awake. */
const QUIET_MS = 30_000;

async function wake(api: Api, id: string): Promise<void> {
  const { workspace } = await api.workspace(id);
  if (workspace.status === 'paused') await api.action(id, 'resume');
  else if (workspace.status !== 'running')
    throw new CliError(`Workspace "${workspace.name}" is ${workspace.status}.`, Exit.notRunning);
}

export function sshProxyCommand(program: Command) {
  program
    .command('ssh-proxy <workspace-id> <host> <port>', { hidden: true })
    .description("OpenSSH's ProxyCommand for cw's SSH connections (presence, activity, resume)")
    .action(async (id: string, host: string, port: string) => {
      const api = apiFromLogin();
      await wake(api, id);
      let session = await api.openSession(id);
      const every = Number(process.env.CW_HEARTBEAT_MS) || session.heartbeatIntervalMs;
      let moved = false;
      let lastByteAt = Date.now();
      let waking: Promise<void> | null = null;

      const sock = connect({ host, port: Number(port), noDelay: true });
      const beat = setInterval(() => {
        const active = moved;
        moved = false;
        api.heartbeat(session.sessionId, active).catch(async (e) => {
          // Stale (the laptop slept): a new session, so presence shows the connection again.
          if (e instanceof ApiError && e.status === 404)
            session = await api.openSession(id).catch(() => session);
        });
      }, every);

      const traffic = (fromClient: boolean) => {
        const now = Date.now();
        if (fromClient && now - lastByteAt >= QUIET_MS && !waking) {
          // Typing into a workspace that paused while nobody typed: resume it; the bytes wait in the
          // channel and the shell reads them once it thaws.
          waking = wake(api, id)
            .catch(() => {})
            .finally(() => (waking = null));
        }
        lastByteAt = now;
        moved = true;
      };
      process.stdin.on('data', () => traffic(true));
      sock.on('data', () => traffic(false));
      process.stdin.pipe(sock);
      sock.pipe(process.stdout);

      await new Promise<void>((resolve) => {
        const done = () => resolve();
        // ssh ends its ProxyCommand with SIGHUP when the connection is over: leave presence first.
        for (const sig of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) process.once(sig, done);
        sock.once('close', done);
        sock.once('error', (e) => {
          process.stderr.write(`cw: cannot reach the SSH gateway at ${host}:${port} (${e.message}).\n`);
          process.exitCode = Exit.unavailable;
          done();
        });
        process.stdin.once('end', () => sock.end());
      });
      clearInterval(beat);
      sock.destroy();
      await api.leave(session.sessionId).catch(() => {});
      process.stdin.destroy();
      process.exit();
    });
}
