import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJson, sendEmpty, sendJson } from './http';
import type { IdentityStore } from './identities';
import type { VmManager } from './vm-manager';

export type Handler = (m: RegExpExecArray, req: IncomingMessage, res: ServerResponse) => Promise<void>;
export type Route = [method: string, path: RegExp, handler: Handler];

// `/v5/identities...` as Freestyle's SDK calls it: lists are bare arrays, deletes answer 204.
export function identityRoutes(store: IdentityStore, manager: VmManager): Route[] {
  const p = (m: RegExpExecArray, i: number) => decodeURIComponent(m[i]!);
  const vmExists = (id: string) => manager.list({}).vms.some((v) => v.id === id);
  const ID = '/v5/identities/([^/]+)';
  const re = (s: string) => new RegExp(`^${s}$`);
  return [
    [
      'POST',
      re('/v5/identities'),
      async (_m, req, res) => sendJson(res, 200, store.create(await readJson(req))),
    ],
    [
      'GET',
      re('/v5/identities'),
      async (_m, req, res) =>
        sendJson(res, 200, store.list(new URL(req.url ?? '/', 'http://h').searchParams)),
    ],
    ['GET', re(ID), async (m, _req, res) => sendJson(res, 200, store.get(p(m, 1)))],
    ['DELETE', re(ID), async (m, _req, res) => (store.delete(p(m, 1)), sendEmpty(res, 204))],
    [
      'POST',
      re(`${ID}/tokens`),
      async (m, req, res) => sendJson(res, 200, store.createToken(p(m, 1), await readJson(req))),
    ],
    ['GET', re(`${ID}/tokens`), async (m, _req, res) => sendJson(res, 200, store.listTokens(p(m, 1)))],
    [
      'DELETE',
      re(`${ID}/tokens/([^/]+)`),
      async (m, _req, res) => (store.revokeToken(p(m, 1), p(m, 2)), sendEmpty(res, 204)),
    ],
    [
      'POST',
      re(`${ID}/permissions/vm`),
      async (m, req, res) => sendJson(res, 200, store.grant(p(m, 1), await readJson(req), vmExists)),
    ],
    [
      'GET',
      re(`${ID}/permissions/vm`),
      async (m, _req, res) => sendJson(res, 200, store.permissions(p(m, 1))),
    ],
    [
      'GET',
      re(`${ID}/permissions/vm/([^/]+)`),
      async (m, _req, res) => sendJson(res, 200, store.permission(p(m, 1), p(m, 2))),
    ],
    [
      'PATCH',
      re(`${ID}/permissions/vm/([^/]+)`),
      async (m, req, res) =>
        sendJson(res, 200, store.updatePermission(p(m, 1), p(m, 2), await readJson(req))),
    ],
    [
      'DELETE',
      re(`${ID}/permissions/vm/([^/]+)`),
      async (m, _req, res) => (store.revokePermission(p(m, 1), p(m, 2)), sendEmpty(res, 204)),
    ],
  ];
}
