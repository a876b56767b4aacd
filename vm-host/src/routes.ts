import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAuthorized } from './auth';
import { HostError, notFound } from './errors';
import { EXEC_OUTPUT_CAP, parseExecRequest, runExec } from './exec';
import { readJson, sendEmpty, sendError, sendJson } from './http';
import { tlsRoutes } from './tls-routes';
import type { Route } from './identity-routes';
import type { TlsRules } from './tls-rules';
import type { VmManager } from './vm-manager';

export interface HealthInfo {
  ok: true;
  isolation: string;
  network: string;
  cgroups: Record<string, boolean>;
  /** How disk quotas are enforced: `ext4-loop` (an image per VM) or `none` (reported only). */
  diskQuota: string;
  vms: number;
  forwardUrl: string;
}

export function createRequestHandler(
  manager: VmManager,
  rules: TlsRules,
  apiKey: string,
  health: () => HealthInfo,
  extra: Route[] = [],
) {
  const id = (m: RegExpExecArray) => decodeURIComponent(m[1]!);
  const query = (req: IncomingMessage) => new URL(req.url ?? '/', 'http://vm-host').searchParams;
  const routes: Route[] = [
    ...extra,
    [
      'GET',
      /^\/v5\/vms$/,
      async (_m, req, res) => {
        const q = new URL(req.url ?? '/', 'http://vm-host').searchParams;
        sendJson(res, 200, manager.list({ state: q.get('state'), slug: q.get('slug') }));
      },
    ],
    // Freestyle answers a create with the firewall/TLS rules it made; the local host makes none at create.
    [
      'POST',
      /^\/v5\/vms$/,
      async (_m, req, res) =>
        sendJson(res, 200, { ...manager.create(await readJson(req)), firewallRules: [], tlsRules: [] }),
    ],
    [
      'GET',
      /^\/v5\/vms\/([^/]+)$/,
      async (m, _req, res) => {
        sendJson(res, 200, manager.data(manager.get(id(m))));
      },
    ],
    [
      'DELETE',
      /^\/v5\/vms\/([^/]+)$/,
      async (m, _req, res) => {
        const vmId = manager.get(id(m)).record.id;
        await manager.delete(vmId);
        rules.deleteForVm(vmId);
        sendEmpty(res, 204);
      },
    ],
    [
      'POST',
      /^\/v5\/vms\/([^/]+)\/pause$/,
      async (m, _req, res) => sendJson(res, 200, await manager.pause(id(m))),
    ],
    [
      'POST',
      /^\/v5\/vms\/([^/]+)\/start$/,
      async (m, _req, res) => sendJson(res, 200, await manager.start(id(m))),
    ],
    // Local extension: Freestyle v5 has no stop endpoint.
    [
      'POST',
      /^\/v5\/vms\/([^/]+)\/stop$/,
      async (m, _req, res) => sendJson(res, 200, await manager.stop(id(m))),
    ],
    [
      'POST',
      /^\/v5\/vms\/([^/]+)\/exec-await$/,
      async (m, req, res) => {
        const vm = manager.get(id(m));
        const result = await runExec(manager, vm, parseExecRequest(await readJson(req)));
        sendJson(res, 200, result, {
          'x-vm-host-output-cap': String(EXEC_OUTPUT_CAP),
          'x-vm-host-output-truncated': String(result.stdoutTruncated || result.stderrTruncated),
        });
      },
    ],
    [
      'GET',
      /^\/v5\/vms\/([^/]+)\/pty\/sessions$/,
      async (m, _req, res) => sendJson(res, 200, { sessions: manager.get(id(m)).sessions.list() }),
    ],
    [
      'DELETE',
      /^\/v5\/vms\/([^/]+)\/pty\/sessions\/([^/]+)$/,
      async (m, _req, res) =>
        sendJson(res, 200, manager.get(id(m)).sessions.close(decodeURIComponent(m[2]!))),
    ],
    // Local extension: Freestyle has no listing of a VM's listening ports.
    [
      'GET',
      /^\/v5\/vms\/([^/]+)\/ports$/,
      async (m, _req, res) => sendJson(res, 200, { ports: manager.ports(id(m)) }),
    ],
    ...tlsRoutes(rules, query),
    [
      'GET',
      /^\/v5\/vms\/([^/]+)\/pty$/,
      async () => {
        throw new HostError(426, 'UPGRADE_REQUIRED', 'this endpoint is a WebSocket');
      },
    ],
  ];

  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const path = new URL(req.url ?? '/', 'http://vm-host').pathname;
      if (req.method === 'GET' && path === '/health') return sendJson(res, 200, health());
      if (!isAuthorized(req.headers.authorization, apiKey)) {
        throw new HostError(401, 'UNAUTHORIZED', 'missing or invalid API key');
      }
      let pathMatched = false;
      for (const [method, re, handler] of routes) {
        const m = re.exec(path);
        if (!m) continue;
        pathMatched = true;
        if (method === req.method) return await handler(m, req, res);
      }
      if (pathMatched) throw new HostError(405, 'METHOD_NOT_ALLOWED', `${req.method} not allowed on ${path}`);
      throw notFound(`route ${req.method} ${path}`);
    } catch (err) {
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    }
  };
}
