import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { PortInfo } from '../../../core/api/ports';
import { previewUrl } from '../../../core/ports';
import { CliError, Exit } from '../errors';
import { note, printJson, table } from '../output';
import { requireRunnable, resolveWorkspace } from '../workspaces';
import { apiFromLogin } from './workspaces';

/** `$BROWSER`, else the desktop's opener; false when none could be started. */
function openInBrowser(url: string): Promise<boolean> {
  const opener =
    process.env.BROWSER ||
    (process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open');
  return new Promise((resolve) => {
    const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

export function portsCommands(program: Command) {
  program
    .command('ports <workspace>')
    .description(
      "the workspace's ports (listening, and devcontainer.json's forwardPorts) with labels, visibility and URLs",
    )
    .option('--json', 'print the API response')
    .action(async (ref: string, o: { json?: boolean }) => {
      const api = apiFromLogin();
      const w = await resolveWorkspace(api, ref);
      requireRunnable(w);
      const { ports } = await api.ports(w.id);
      if (o.json) return printJson(ports);
      if (ports.length === 0) return note(`Nothing listens in ${w.name} yet: start a server (npm run dev).`);
      const rows = [['PORT', 'LABEL', 'PROCESS', 'VISIBILITY', 'URL']];
      for (const p of ports)
        rows.push([
          String(p.port),
          p.label ?? '',
          p.listening ? (p.process ?? '') : 'not listening yet',
          p.visibility,
          p.url,
        ]);
      process.stdout.write(table(rows) + '\n');
    });

  program
    .command('open <workspace> [port]')
    .description("open a port's preview URL in the browser (the only listening port when none is given)")
    .option('--print', 'only print the URL')
    .action(async (ref: string, portArg: string | undefined, o: { print?: boolean }) => {
      const api = apiFromLogin();
      const w = await resolveWorkspace(api, ref);
      requireRunnable(w);
      const { ports } = await api.ports(w.id);
      // Without a port: the one that listens (forwarded ports that do not yet are only named).
      const listening = ports.filter((p) => p.listening);
      let target: PortInfo | undefined;
      if (portArg !== undefined) {
        const n = /^[0-9]{1,5}$/.test(portArg) ? Number(portArg) : NaN;
        if (!(n >= 1 && n <= 65535)) throw new CliError(`"${portArg}" is not a port (1-65535).`, Exit.usage);
        target = ports.find((p) => p.port === n);
        if (!target) {
          const known = ports[0]?.url ?? '';
          const m = /^(https?):\/\/[0-9]+-[^.]+\.(.+)$/.exec(known);
          if (!m) throw new CliError(`Nothing listens on port ${n} in ${w.name}.`, Exit.notFound);
          target = {
            port: n,
            listening: false,
            visibility: 'private',
            url: previewUrl(m[1]!, n, w.id, m[2]!),
          };
        }
        if (!target.listening)
          note(`cw: nothing listens on port ${n} in ${w.name} yet; the page says so until it does.`);
      } else if (listening.length === 1) {
        target = listening[0];
      } else if (listening.length === 0) {
        throw new CliError(
          `Nothing listens in ${w.name} yet: start a server, then \`cw open ${w.name}\`.`,
          Exit.notFound,
        );
      } else {
        throw new CliError(
          `${listening.length} ports listen in ${w.name} (${listening.map((p) => p.port).join(', ')}): say which, \`cw open ${w.name} <port>\`.`,
          Exit.usage,
        );
      }
      process.stdout.write(target!.url + '\n');
      if (o.print) return;
      if (!(await openInBrowser(target!.url))) note('cw: could not start a browser; open the URL above.');
      if (target!.visibility === 'private')
        note('cw: the port is private: the browser signs in to Cloud Workspaces first.');
    });
}
