import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJson, sendEmpty, sendJson } from './http';
import type { TlsRules } from './tls-rules';

type Route = [
  string,
  RegExp,
  (m: RegExpExecArray, req: IncomingMessage, res: ServerResponse) => Promise<void>,
];

/** `/v5/tls` (rules) and `/v5/tls/forward-auth` (configs), as the `freestyle` SDK calls them. */
export function tlsRoutes(rules: TlsRules, query: (req: IncomingMessage) => URLSearchParams): Route[] {
  const id = (m: RegExpExecArray) => decodeURIComponent(m[1]!);
  const FA = /^\/v5\/tls\/forward-auth$/;
  const FA_ONE = /^\/v5\/tls\/forward-auth\/([^/]+)$/;
  const ONE = /^\/v5\/tls\/([^/]+)$/;
  return [
    ['GET', FA, async (_m, _req, res) => sendJson(res, 200, rules.listForwardAuth())],
    ['POST', FA, async (_m, req, res) => sendJson(res, 200, rules.createForwardAuth(await readJson(req)))],
    ['GET', FA_ONE, async (m, _req, res) => sendJson(res, 200, rules.getForwardAuth(id(m)))],
    [
      'PUT',
      FA_ONE,
      async (m, req, res) => sendJson(res, 200, rules.updateForwardAuth(id(m), await readJson(req))),
    ],
    [
      'DELETE',
      FA_ONE,
      async (m, _req, res) => {
        rules.deleteForwardAuth(id(m));
        sendEmpty(res, 204);
      },
    ],
    [
      'GET',
      /^\/v5\/tls$/,
      async (_m, req, res) => {
        const q = query(req);
        sendJson(
          res,
          200,
          rules.list({ vmId: q.get('vmId'), limit: q.get('limit'), offset: q.get('offset') }),
        );
      },
    ],
    ['POST', /^\/v5\/tls$/, async (_m, req, res) => sendJson(res, 200, rules.create(await readJson(req)))],
    ['GET', ONE, async (m, _req, res) => sendJson(res, 200, rules.get(id(m)))],
    ['PUT', ONE, async (m, req, res) => sendJson(res, 200, rules.update(id(m), await readJson(req)))],
    [
      'DELETE',
      ONE,
      async (m, _req, res) => {
        rules.delete(id(m));
        sendEmpty(res, 204);
      },
    ],
  ];
}
