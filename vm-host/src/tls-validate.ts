import type { CreateTlsForwardAuthOptions } from '../../core/vm/types';
import { HostError, badRequest } from './errors';

// The server-side checks of the subset the local host serves, after the `freestyle` SDK's own
// (validateTlsRule, validateTlsForwardAuth): what it cannot serve is refused, never silently ignored.

export interface ParsedRule {
  domain: string;
  vmId: string;
  port: number;
  forwardAuth?: { id: string };
}

const RULE_FIELDS = [
  'action',
  'domain',
  'protocol',
  'source',
  'destination',
  'transform',
  'match',
  'forwardAuth',
];
const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const unsupported = (what: string) =>
  new HostError(
    400,
    'UNSUPPORTED',
    `${what}: the local VM host serves only public HTTP ingress to a VM port`,
  );

function parseDomain(domain: unknown): string {
  if (typeof domain !== 'string') throw badRequest('domain is required and must be a string');
  const bare = domain.startsWith('*.') ? domain.slice(2) : domain;
  const labels = bare.split('.');
  if (bare.length > 253 || labels.length < 2 || !labels.every((l) => l.length <= 63 && LABEL.test(l))) {
    throw badRequest(`domain \`${domain}\` must be a hostname of two or more labels, or \`*.\` and one`);
  }
  return domain;
}

/** `{ action: 'allow', domain, source: { public: true }, destination: { vmId, port }, forwardAuth? }` */
export function parseRule(body: Record<string, unknown>): ParsedRule {
  for (const k of Object.keys(body)) if (!RULE_FIELDS.includes(k)) throw badRequest(`unknown field \`${k}\``);
  if (body.action !== 'allow') throw badRequest('action must be "allow"');
  if (body.protocol !== undefined && body.protocol !== 'http')
    throw unsupported(`protocol ${String(body.protocol)}`);
  if (body.transform !== undefined || body.match !== undefined) throw unsupported('transform and match');
  const source = body.source;
  if (!isObject(source) || source.public !== true || Object.keys(source).length !== 1) {
    throw unsupported('source must be { public: true }');
  }
  const dest = body.destination;
  if (
    !isObject(dest) ||
    typeof dest.vmId !== 'string' ||
    !dest.vmId ||
    Object.keys(dest).some((k) => k !== 'vmId' && k !== 'port')
  ) {
    throw unsupported('destination must be { vmId, port }');
  }
  const port = dest.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw badRequest('destination.port must be an integer between 1 and 65535');
  }
  const domain = parseDomain(body.domain);
  let forwardAuth: { id: string } | undefined;
  if (body.forwardAuth !== undefined) {
    const fa = body.forwardAuth;
    if (!isObject(fa) || typeof fa.id !== 'string' || !fa.id || Object.keys(fa).length !== 1) {
      throw badRequest('forwardAuth must be { id }');
    }
    forwardAuth = { id: fa.id };
  }
  return { domain, vmId: dest.vmId, port, ...(forwardAuth ? { forwardAuth } : {}) };
}

const FA_FIELDS = ['url', 'headers', 'timeoutMs', 'protectedCookies', 'authResponseHeaders'];
const HEADER_NAME = /^[0-9A-Za-z-]+$/;
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function nameList(v: unknown, field: string, re: RegExp): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > 32 || !v.every((x) => typeof x === 'string' && re.test(x))) {
    throw badRequest(`${field} must be an array of at most 32 names`);
  }
  return v as string[];
}

/** Freestyle wants https; locally the authorizer is the Worker on loopback, so http is accepted too. */
export function parseForwardAuth(body: Record<string, unknown>): CreateTlsForwardAuthOptions {
  for (const k of Object.keys(body)) if (!FA_FIELDS.includes(k)) throw badRequest(`unknown field \`${k}\``);
  let url: URL;
  try {
    url = new URL(String(body.url));
  } catch {
    throw badRequest('url must be an absolute http(s) URL');
  }
  if (!/^https?:$/.test(url.protocol) || url.username || url.password || url.hash) {
    throw badRequest('url must be an absolute http(s) URL without credentials or fragment');
  }
  const out: CreateTlsForwardAuthOptions = { url: url.toString() };
  if (body.headers !== undefined) {
    const h = body.headers;
    if (
      !isObject(h) ||
      !Object.entries(h).every(
        ([k, v]) => HEADER_NAME.test(k) && typeof v === 'string' && !/[\0\r\n]/.test(v),
      )
    ) {
      throw badRequest('headers must map header names to strings');
    }
    out.headers = h as Record<string, string>;
  }
  if (body.timeoutMs !== undefined) {
    const t = body.timeoutMs;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 100 || t > 5000) {
      throw badRequest('timeoutMs must be an integer between 100 and 5000');
    }
    out.timeoutMs = t;
  }
  const cookies = nameList(body.protectedCookies, 'protectedCookies', COOKIE_NAME);
  if (cookies) out.protectedCookies = cookies;
  const copied = nameList(body.authResponseHeaders, 'authResponseHeaders', HEADER_NAME);
  if (copied) out.authResponseHeaders = copied;
  return out;
}
