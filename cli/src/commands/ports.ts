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
    .description('the ports listening in the workspace, with their visibility and preview URLs')
    .option('--json', 'print the API response')
    .action(async (ref: string, o: { json?: boolean }) => {
      const api = apiFromLogin();
      const w = await resolveWorkspace(api, ref);
      requireRunnable(w);
      const { ports } = await api.ports(w.id);
      if (o.json) return printJson(ports);
      if (ports.length === 0) return note(`Nothing listens in ${w.name} yet: start a server (npm run dev).`);
      const rows = [['PORT', 'PROCESS', 'VISIBILITY', 'URL']];
      for (const p of ports) rows.push([String(p.port), p.label ?? p.process ?? '', p.visibility, p.url]);
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
      let target: PortInfo | undefined;
      if (portArg !== undefined) {
        const n = /^[0-9]{1,5}$/.test(portArg) ? Number(portArg) : NaN;
        if (!(n >= 1 && n <= 65535)) throw new CliError(`"${portArg}" is not a port (1-65535).`, Exit.usage);
        target = ports.find((p) => p.port === n);
        if (!target) {
          const known = ports[0]?.url ?? '';
          const m = /^(https?):\/\/[0-9]+-[^.]+\.(.+)$/.exec(known);
          if (!m) throw new CliError(`Nothing listens on port ${n} in ${w.name}.`, Exit.notFound);
          note(`cw: nothing listens on port ${n} in ${w.name} yet; the page says so until it does.`);
          target = { port: n, visibility: 'private', url: previewUrl(m[1]!, n, w.id, m[2]!) };
        }
      } else if (ports.length === 1) {
        target = ports[0];
      } else if (ports.length === 0) {
        throw new CliError(
          `Nothing listens in ${w.name} yet: start a server, then \`cw open ${w.name}\`.`,
          Exit.notFound,
        );
      } else {
        throw new CliError(
          `${ports.length} ports listen in ${w.name} (${ports.map((p) => p.port).join(', ')}): say which, \`cw open ${w.name} <port>\`.`,
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
