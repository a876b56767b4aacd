import type { Command } from 'commander';
import WebSocket from 'ws';
import { CloseCode, FLOW_ACK_EVERY_BYTES, type TerminalServerMsg } from '../../../core/protocol';
import type { Api } from '../api';
import { CliError, Exit } from '../errors';
import { note } from '../output';
import { requireRunnable, resolveWorkspace } from '../workspaces';
import { apiFromLogin } from './workspaces';

/** Ctrl-]: telnet's escape, which shells and editors leave alone. */
const DETACH = 0x1d;

async function pickWindow(api: Api, workspaceId: string, ref?: string) {
  const { terminals } = await api.terminals(workspaceId);
  if (!ref) return terminals[0] ?? (await api.createTerminal(workspaceId));
  const hit = terminals.find((t) => t.windowId === ref || t.name === ref);
  if (!hit) {
    const names = terminals.map((t) => `  ${t.name}`).join('\n') || '  (none)';
    throw new CliError(`No terminal window "${ref}". Windows:\n${names}`, Exit.notFound);
  }
  return hit;
}

const size = () => ({ cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 });

export function attachCommand(program: Command) {
  program
    .command('attach <workspace> [window]')
    .description('open a terminal window (name or id; default the first) in this terminal; Ctrl-] detaches')
    .action(async (ref: string, windowRef?: string) => {
      const api = apiFromLogin();
      const w = await resolveWorkspace(api, ref);
      requireRunnable(w);
      const win = await pickWindow(api, w.id, windowRef);
      const { cols, rows } = size();
      process.exitCode = await attach(api, api.terminalSocketUrl(w.id, win.windowId, cols, rows), win.name);
    });
}

function attach(api: Api, url: string, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${api.key}` },
      perMessageDeflate: false,
    });
    const stdin = process.stdin;
    let unacked = 0;
    let exitCode: number | undefined;
    let detached = false;
    const raw = stdin.isTTY;

    const restore = () => {
      if (raw) stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onInput);
      process.stdout.off('resize', onResize);
    };
    const onInput = (d: Buffer) => {
      if (d.includes(DETACH)) {
        detached = true;
        ws.close(1000);
        return;
      }
      ws.send(d, { binary: true });
    };
    const onResize = () => ws.send(JSON.stringify({ type: 'resize', ...size() }));

    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => {
        let message = `HTTP ${res.statusCode}`;
        try {
          message = (JSON.parse(body) as { error: { message: string } }).error.message;
        } catch {
          // keep the status
        }
        const exit =
          res.statusCode === 404 ? Exit.notFound : res.statusCode === 409 ? Exit.notRunning : Exit.failure;
        reject(new CliError(message, res.statusCode === 401 ? Exit.notSignedIn : exit));
      });
    });
    ws.on('error', (e) => reject(new CliError(`Terminal connection failed: ${e.message}`, Exit.unavailable)));
    ws.on('open', () => {
      if (raw) stdin.setRawMode(true);
      stdin.on('data', onInput);
      stdin.resume();
      process.stdout.on('resize', onResize);
    });
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        process.stdout.write(data);
        unacked += data.length;
        if (unacked >= FLOW_ACK_EVERY_BYTES) {
          ws.send(JSON.stringify({ type: 'ack', bytes: unacked }));
          unacked = 0;
        }
        return;
      }
      const msg = JSON.parse(data.toString('utf8')) as TerminalServerMsg;
      // The exact current screen: reset this terminal, then draw it (full-screen programs included).
      if (msg.type === 'screen') process.stdout.write('\x1bc' + msg.data);
      else if (msg.type === 'exited') exitCode = msg.exitCode;
      else if (msg.type === 'status' && msg.status === 'resuming') note(`[cw: resuming ${name}...]`);
      else if (msg.type === 'error' && msg.code !== 'bad_message') note(`\r\n[cw: ${msg.message}]`);
    });
    ws.on('close', (code) => {
      restore();
      if (detached) {
        note(`\r\n[cw: detached from ${name}; \`cw attach\` again to return]`);
        return resolve(Exit.ok);
      }
      if (code === CloseCode.shellExited || exitCode !== undefined) return resolve(exitCode ?? 0);
      if (code === CloseCode.workspaceGone) {
        note('\r\n[cw: the workspace stopped]');
        return resolve(Exit.notRunning);
      }
      note(`\r\n[cw: connection closed (${code})]`);
      resolve(code === 1000 ? Exit.ok : Exit.unavailable);
    });
  });
}
