import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { isAuthorized } from './auth';
import { HostError, badRequest, notFound } from './errors';
import { isValidSessionSlug, type PtySession } from './pty-session';
import type { VmManager } from './vm-manager';

const OPEN = /^\/v5\/vms\/([^/]+)\/pty$/;
const ATTACH = /^\/v5\/vms\/([^/]+)\/pty\/sessions\/([^/]+)$/;

/** Refuses an upgrade with a plain HTTP status and Freestyle's JSON error body. */
function refuse(socket: Duplex, err: unknown) {
  const e =
    err instanceof HostError ? err : new HostError(500, 'INTERNAL_ERROR', String((err as Error)?.message));
  const body = JSON.stringify({ code: e.code, message: e.message });
  socket.end(
    `HTTP/1.1 ${e.status} ${e.code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function intParam(q: URLSearchParams, name: string, fallback: number): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw badRequest(`${name} must be an integer in 1..1000`);
  return n;
}

export function createPtyUpgradeHandler(manager: VmManager, apiKey: string) {
  // No compression: terminal output is latency-sensitive and per-message deflate costs CPU per frame.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });

  async function resolve(req: IncomingMessage): Promise<{ session: PtySession; created: boolean }> {
    const url = new URL(req.url ?? '/', 'http://vm-host');
    const open = OPEN.exec(url.pathname);
    const attach = open ? null : ATTACH.exec(url.pathname);
    if (!open && !attach) throw notFound(`route ${url.pathname}`);
    if (!isAuthorized(req.headers.authorization, apiKey)) {
      throw new HostError(401, 'UNAUTHORIZED', 'missing or invalid API key');
    }
    const q = url.searchParams;
    const user = q.get('linuxUser');
    if (user && user !== 'root')
      throw badRequest(`linux user ${user} does not exist (local VMs have only root)`);
    const vm = manager.get(decodeURIComponent((open ?? attach)![1]!));
    if (attach) {
      const session = vm.sessions.find(decodeURIComponent(attach[2]!));
      if (!session) throw notFound(`PTY session ${attach[2]}`);
      if (session.state === 'running') await manager.ensureRunning(vm);
      return { session, created: false };
    }
    const slug = q.get('slug') || undefined;
    if (slug && !isValidSessionSlug(slug)) {
      throw badRequest('slug must be lowercase letters, digits and hyphens, and not all digits');
    }
    const cols = intParam(q, 'cols', 80);
    const rows = intParam(q, 'rows', 24);
    await manager.ensureRunning(vm);
    return vm.sessions.open({
      exec: q.get('exec') || undefined,
      cols,
      rows,
      slug,
      replaceOnExit: q.get('replaceOnExit') === 'true',
    });
  }

  return (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    resolve(req).then(
      ({ session, created }) => {
        wss.handleUpgrade(req, socket, head, (ws) => {
          // Small frames (keystrokes) must not wait for Nagle.
          (socket as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
          session.attach(ws, created);
        });
      },
      (err) => refuse(socket, err),
    );
  };
}
