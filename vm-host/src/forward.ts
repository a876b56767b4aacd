import {
  Agent,
  STATUS_CODES,
  createServer,
  request,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TlsRuleData } from '../../core/vm/types';
import { ConnectError } from './connector';
import { HostError, notFound } from './errors';
import {
  checkForwardAuth,
  setsProtectedCookie,
  withoutCookies,
  type ForwardAuthConfig,
} from './forward-auth';
import type { VmNetwork } from './netns';
import type { TlsRules } from './tls-rules';
import type { Vm, VmManager } from './vm-manager';

// What Freestyle's edge does for a public HTTP ingress rule, on loopback: the request's Host picks a
// rule, the rule a VM and a port; the bytes go to that port inside the VM's own network namespace.
// Bodies stream both ways (no buffering), and WebSocket upgrades are spliced.

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

interface Target {
  rule: TlsRuleData;
  vm: Vm;
  headers: OutgoingHttpHeaders;
  protectedCookies: string[];
}

type Denied = { status: number; headers: [string, string][]; body: Buffer };

function errorBody(err: HostError): Denied {
  return {
    status: err.status,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify({ code: err.code, message: err.message })),
  };
}

/** The headers the VM gets: the client's minus hop-by-hop, plus X-Forwarded-* and the authorizer's. */
function upstreamHeaders(req: IncomingMessage, forwarded: { proto: string; host: string; for: string }) {
  const connectionListed = String(req.headers.connection ?? '')
    .toLowerCase()
    .split(',')
    .map((s) => s.trim());
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || connectionListed.includes(k)) continue;
    out[k] = v;
  }
  out['x-forwarded-for'] = forwarded.for;
  out['x-forwarded-host'] = forwarded.host;
  out['x-forwarded-proto'] = forwarded.proto;
  return out;
}

export function createForwarder(manager: VmManager, rules: TlsRules): Server {
  /** Finds the rule, runs forward auth, makes sure the VM runs: a Target, or the answer to give. */
  async function resolve(req: IncomingMessage): Promise<Target | Denied> {
    try {
      return await resolveTarget(req);
    } catch (e) {
      return failure(e, req);
    }
  }

  function failure(e: unknown, req: IncomingMessage): Denied {
    if (e instanceof ConnectError) {
      const vmId = rules.match(req.headers.host ?? '')?.destination.vmId ?? 'the VM';
      return errorBody(
        new HostError(502, 'NOTHING_LISTENING', `nothing listens on port ${e.port} in VM ${vmId}`),
      );
    }
    if (e instanceof HostError) return errorBody(e);
    return errorBody(new HostError(502, 'FORWARD_FAILED', (e as Error).message));
  }

  async function resolveTarget(req: IncomingMessage): Promise<Target | Denied> {
    // Host picks the rule, as at Freestyle's edge. Callers whose fetch cannot set Host (Node's, workerd's)
    // name the domain in X-Forwarded-Host instead; the VM then sees it as Host.
    const xfh = req.headers['x-forwarded-host'] as string | undefined;
    const byHost = rules.match(req.headers.host ?? '');
    const rule = byHost ?? (xfh ? rules.match(xfh) : undefined);
    if (!rule) return errorBody(notFound(`no TLS rule serves ${req.headers.host || '(no Host header)'}`));
    const host = byHost ? req.headers.host! : xfh!;
    const prior = req.headers['x-forwarded-for'];
    const forwarded = {
      proto: String(req.headers['x-forwarded-proto'] ?? 'http'),
      host: xfh ?? host,
      for: [prior, req.socket.remoteAddress].filter(Boolean).join(', '),
    };
    let headers: OutgoingHttpHeaders = { ...upstreamHeaders(req, forwarded), host };
    let protectedCookies: string[] = [];
    if (rule.forwardAuth) {
      const config = rules.forwardAuthConfig(rule.forwardAuth.id) as ForwardAuthConfig;
      // The authorizer is told the host that picked the rule, not a client's X-Forwarded-Host: a
      // token for one port's domain must not open another's by naming the first (docs/previews.md).
      const outcome = await checkForwardAuth(config, req, { ...forwarded, host });
      if (!outcome.allow) return outcome;
      protectedCookies = config.protectedCookies ?? [];
      const cookie = withoutCookies(req.headers.cookie, protectedCookies);
      headers = { ...headers, ...outcome.headers };
      if (cookie === undefined) delete headers.cookie;
      else headers.cookie = cookie;
    }
    const vm = manager.get(rule.destination.vmId!);
    // A paused VM answers 409 as exec does: resuming is the product's decision, not the edge's.
    await manager.ensureRunning(vm);
    return { rule, vm, headers, protectedCookies };
  }

  // Kept-alive connections per VM network: a request does not pay the connector's round trip.
  const agents = new WeakMap<VmNetwork, Agent>();
  function agentFor(network: VmNetwork): Agent {
    let agent = agents.get(network);
    if (!agent) {
      agent = new Agent({ keepAlive: true, maxFreeSockets: 16 });
      agent.createConnection = ((opts: { port: number }, done: (err: Error | null, s?: Socket) => void) => {
        network.connect(opts.port).then(
          (s) => done(null, s),
          (e: Error) => done(e),
        );
      }) as unknown as Agent['createConnection'];
      agents.set(network, agent);
    }
    return agent;
  }

  function onRequest(req: IncomingMessage, res: ServerResponse) {
    resolve(req).then(
      (t) => {
        if ('status' in t) {
          res.writeHead(t.status, t.headers.flat());
          return void res.end(t.body);
        }
        const up = request({
          method: req.method,
          path: req.url,
          headers: t.headers,
          host: '127.0.0.1',
          port: t.rule.destination.port,
          agent: agentFor(t.vm.network),
        });
        up.on('response', (ur) => {
          const raw: string[] = [];
          for (let i = 0; i < ur.rawHeaders.length; i += 2) {
            const name = ur.rawHeaders[i]!;
            const value = ur.rawHeaders[i + 1]!;
            const lower = name.toLowerCase();
            if (HOP_BY_HOP.has(lower)) continue;
            if (lower === 'set-cookie' && setsProtectedCookie(value, t.protectedCookies)) continue;
            raw.push(name, value);
          }
          res.writeHead(ur.statusCode ?? 502, ur.statusMessage, raw);
          // Headers out now: a server-sent event stream must not wait for its first chunk.
          res.flushHeaders();
          ur.pipe(res);
          ur.on('error', () => res.destroy());
        });
        up.on('error', (e) => {
          if (!res.headersSent) {
            const b =
              e instanceof ConnectError
                ? failure(e, req)
                : errorBody(
                    new HostError(502, 'UPSTREAM_CLOSED', 'the server in the VM closed the connection'),
                  );
            res.writeHead(b.status, b.headers.flat());
            res.end(b.body);
          } else res.destroy();
        });
        res.on('close', () => {
          if (!res.writableFinished) up.destroy();
        });
        req.pipe(up);
      },
      () => res.destroy(),
    );
  }

  function onUpgrade(req: IncomingMessage, client: Duplex, head: Buffer) {
    client.on('error', () => undefined);
    resolve(req).then(
      (t) => {
        if ('status' in t) return refuse(client, t);
        const headers: OutgoingHttpHeaders = {
          ...t.headers,
          connection: 'Upgrade',
          upgrade: req.headers.upgrade,
        };
        const lines = Object.entries(headers).flatMap(([k, v]) =>
          (Array.isArray(v) ? v : [v]).map((x) => `${k}: ${String(x)}\r\n`),
        );
        t.vm.network.connect(t.rule.destination.port!).then(
          (vm) => splice(vm, client, req, lines, head),
          (e) => refuse(client, failure(e, req)),
        );
      },
      () => client.destroy(),
    );
  }

  /** The upgrade request goes to the VM as it came (plus X-Forwarded-*); then bytes flow both ways. */
  function splice(vm: Socket, client: Duplex, req: IncomingMessage, lines: string[], head: Buffer) {
    vm.on('error', () => client.destroy());
    client.on('close', () => vm.destroy());
    vm.on('close', () => client.destroy());
    vm.write(`${req.method} ${req.url} HTTP/1.1\r\n${lines.join('')}\r\n`);
    if (head.length) vm.write(head);
    vm.pipe(client);
    client.pipe(vm);
  }

  function refuse(client: Duplex, t: Denied) {
    const lines = t.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('');
    const status = `HTTP/1.1 ${t.status} ${STATUS_CODES[t.status] ?? 'Error'}\r\n`;
    client.end(
      Buffer.concat([
        Buffer.from(`${status}${lines}Content-Length: ${t.body.length}\r\nConnection: close\r\n\r\n`),
        t.body,
      ]),
    );
  }

  const server = createServer(onRequest);
  server.on('upgrade', onUpgrade);
  server.requestTimeout = 0;
  return server;
}
