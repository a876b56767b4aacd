import { randomBytes } from 'node:crypto';
import type {
  CreateTlsForwardAuthOptions,
  ListTlsForwardAuthResult,
  ListTlsRulesResult,
  TlsForwardAuthData,
  TlsRuleData,
} from '../../core/vm/types';
import { HostError, notFound } from './errors';
import { JsonFile } from './json-file';
import { parseForwardAuth, parseRule, type ParsedRule } from './tls-validate';

/** What `<dataDir>/tls.json` holds: rules and forward-auth configs (static header values in clear). */
interface TlsState {
  rules: TlsRuleData[];
  forwardAuth: (TlsForwardAuthData & { secretHeaders?: Record<string, string> })[];
}

export interface VmLookup {
  /** id, slug and display name of a VM by id or slug; throws 404. */
  vm(idOrSlug: string): { id: string; slug: string | null; displayName: string | null };
}

const now = () => new Date().toISOString();
const newId = (prefix: string) => `${prefix}-${randomBytes(8).toString('hex')}`;
const ACCOUNT = 'local';

/** `/v5/tls` rules and `/v5/tls/forward-auth` configs, persisted; the forwarder matches hosts here. */
export class TlsRules {
  private readonly file: JsonFile<TlsState>;
  private state: TlsState;

  constructor(
    path: string,
    private readonly vms: VmLookup,
  ) {
    this.file = new JsonFile(path);
    this.state = this.file.read() ?? { rules: [], forwardAuth: [] };
  }

  private save() {
    this.file.write(this.state);
  }

  private toData(p: ParsedRule, id: string, createdAt: string): TlsRuleData {
    const vm = this.vms.vm(p.vmId);
    if (p.forwardAuth && !this.state.forwardAuth.some((f) => f.id === p.forwardAuth!.id)) {
      throw notFound(`forward-auth configuration ${p.forwardAuth.id}`);
    }
    const clash = this.state.rules.find((r) => r.domain === p.domain && r.id !== id);
    if (clash) throw new HostError(409, 'DOMAIN_IN_USE', `${p.domain} is already served by rule ${clash.id}`);
    return {
      id,
      accountId: ACCOUNT,
      action: 'allow',
      domain: p.domain,
      protocol: 'http',
      source: { public: true },
      destination: { vmId: vm.id, port: p.port },
      ...(p.forwardAuth ? { forwardAuth: p.forwardAuth } : {}),
      redacted: false,
      managed: false,
      dependencies: [{ kind: 'vm', id: vm.id, slug: vm.slug, displayName: vm.displayName }],
      createdAt,
      updatedAt: now(),
    };
  }

  create(body: Record<string, unknown>): TlsRuleData {
    const rule = this.toData(parseRule(body), newId('tls'), now());
    this.state.rules.unshift(rule);
    this.save();
    return rule;
  }

  update(id: string, body: Record<string, unknown>): TlsRuleData {
    const i = this.state.rules.findIndex((r) => r.id === id);
    if (i < 0) throw notFound(`TLS rule ${id}`);
    const rule = this.toData(parseRule(body), id, this.state.rules[i]!.createdAt);
    this.state.rules[i] = rule;
    this.save();
    return rule;
  }

  get(id: string): TlsRuleData {
    const rule = this.state.rules.find((r) => r.id === id);
    if (!rule) throw notFound(`TLS rule ${id}`);
    return rule;
  }

  list(q: { vmId?: string | null; limit?: string | null; offset?: string | null }): ListTlsRulesResult {
    const vmId = q.vmId ? this.vms.vm(q.vmId).id : undefined;
    const all = this.state.rules.filter((r) => !vmId || r.destination.vmId === vmId);
    const offset = Number(q.offset ?? 0) || 0;
    const limit = Number(q.limit ?? all.length) || all.length;
    return { rules: all.slice(offset, offset + limit), totalCount: all.length };
  }

  delete(id: string) {
    this.get(id);
    this.state.rules = this.state.rules.filter((r) => r.id !== id);
    this.save();
  }

  /** A rule dies with the VM it names (Freestyle's dependency cascade). */
  deleteForVm(vmId: string) {
    const before = this.state.rules.length;
    this.state.rules = this.state.rules.filter((r) => r.destination.vmId !== vmId);
    if (this.state.rules.length !== before) this.save();
  }

  /** The rule serving `host` (a Host header, port stripped): exact name first, then `*.` one label up. */
  match(host: string): TlsRuleData | undefined {
    const name = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
    const exact = this.state.rules.find((r) => r.domain === name);
    if (exact) return exact;
    const parent = name.slice(name.indexOf('.') + 1);
    return name.includes('.') ? this.state.rules.find((r) => r.domain === `*.${parent}`) : undefined;
  }

  // Forward-auth configurations.

  private authData(f: TlsState['forwardAuth'][number]): TlsForwardAuthData {
    const { secretHeaders, ...data } = f;
    const redacted = !!secretHeaders && Object.keys(secretHeaders).length > 0;
    return {
      ...data,
      ...(secretHeaders
        ? { headers: Object.fromEntries(Object.keys(secretHeaders).map((k) => [k, '***'])) }
        : {}),
      redacted,
    };
  }

  private authRecord(o: CreateTlsForwardAuthOptions, id: string, createdAt: string) {
    const { headers, ...rest } = o;
    return {
      ...rest,
      id,
      accountId: ACCOUNT,
      timeoutMs: o.timeoutMs ?? 2000,
      ...(headers ? { secretHeaders: headers } : {}),
      redacted: false,
      createdAt,
      updatedAt: now(),
    };
  }

  createForwardAuth(body: Record<string, unknown>): TlsForwardAuthData {
    const record = this.authRecord(parseForwardAuth(body), newId('fwa'), now());
    this.state.forwardAuth.unshift(record);
    this.save();
    return this.authData(record);
  }

  updateForwardAuth(id: string, body: Record<string, unknown>): TlsForwardAuthData {
    const i = this.state.forwardAuth.findIndex((f) => f.id === id);
    if (i < 0) throw notFound(`forward-auth configuration ${id}`);
    const record = this.authRecord(parseForwardAuth(body), id, this.state.forwardAuth[i]!.createdAt);
    this.state.forwardAuth[i] = record;
    this.save();
    return this.authData(record);
  }

  /** With its static header values, for the forwarder. */
  forwardAuthConfig(id: string) {
    const f = this.state.forwardAuth.find((x) => x.id === id);
    if (!f) throw notFound(`forward-auth configuration ${id}`);
    return f;
  }

  getForwardAuth(id: string): TlsForwardAuthData {
    return this.authData(this.forwardAuthConfig(id));
  }

  listForwardAuth(): ListTlsForwardAuthResult {
    return {
      configs: this.state.forwardAuth.map((f) => this.authData(f)),
      totalCount: this.state.forwardAuth.length,
    };
  }

  deleteForwardAuth(id: string) {
    this.forwardAuthConfig(id);
    const user = this.state.rules.find((r) => r.forwardAuth?.id === id);
    if (user) throw new HostError(409, 'FORWARD_AUTH_IN_USE', `rule ${user.id} uses forward-auth ${id}`);
    this.state.forwardAuth = this.state.forwardAuth.filter((f) => f.id !== id);
    this.save();
  }
}
