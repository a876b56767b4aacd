import { VM_HOST_UNREACHABLE, VmApiError } from './errors';
import type {
  AccessTokenInfo,
  CreatedToken,
  CreateTokenOptions,
  GrantVmPermissionOptions,
  IdentityData,
  IdentityInfo,
  ListIdentitiesResult,
  VmPermission,
} from './identity-types';
import type {
  ClosePtySessionResult,
  CreateTlsForwardAuthOptions,
  CreateTlsRuleOptions,
  CreateVmOptions,
  ExecOptions,
  ExecResult,
  ListPtySessionsResult,
  ListTlsForwardAuthResult,
  ListTlsRulesResult,
  ListVmPortsResult,
  ListVmsResult,
  PtyOpenOptions,
  SnapshotCreated,
  TlsForwardAuthData,
  TlsRuleData,
  VmData,
  VmState,
} from './types';

export interface VmClientOptions {
  /** Freestyle's `https://api.freestyle.sh` or the local VM host's `http://127.0.0.1:8790`. */
  baseUrl: string;
  apiKey: string;
  /** workerd needs a bound fetch; defaults to a wrapper around the global one. */
  fetch?: typeof fetch;
}

/** What to open a PTY WebSocket with: in workerd `fetch(url, { headers })`, in Node `new WebSocket(url, { headers })` after swapping the scheme. */
export interface PtyRequest {
  /** http(s) URL: workerd opens sockets with fetch + `Upgrade: websocket`. */
  url: string;
  headers: Record<string, string>;
}

export type VmClient = ReturnType<typeof createVmClient>;

const seg = (s: string | number) => encodeURIComponent(String(s));

export function createVmClient(options: VmClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const auth = { Authorization: `Bearer ${options.apiKey}` };

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { ...auth };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new VmApiError(503, VM_HOST_UNREACHABLE, `VM host unreachable: ${(e as Error)?.message ?? e}`);
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      let code = 'UNKNOWN_ERROR';
      let message = text || res.statusText;
      try {
        const parsed = JSON.parse(text) as { code?: unknown; message?: unknown };
        if (typeof parsed.code === 'string') code = parsed.code;
        if (typeof parsed.message === 'string') message = parsed.message;
      } catch {
        // Not JSON (a proxy in between): keep the raw text as the message.
      }
      throw new VmApiError(res.status, code, message);
    }
    if (res.status === 204 || !text) return undefined as T;
    return JSON.parse(text) as T;
  }

  const vmPath = (id: string) => `/v5/vms/${seg(id)}`;
  const identityPath = (id: string) => `/v5/identities/${seg(id)}`;

  function query(params: Record<string, string | number | boolean | undefined>): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
    const s = q.toString();
    return s ? `?${s}` : '';
  }

  return {
    baseUrl,

    createVm(opts: Partial<CreateVmOptions> = {}): Promise<VmData> {
      return request<VmData>('POST', '/v5/vms', { firewall: { rules: [] }, ...opts });
    },
    getVm: (id: string) => request<VmData>('GET', vmPath(id)),
    listVms: (filter: { state?: VmState; slug?: string } = {}) =>
      request<ListVmsResult>('GET', `/v5/vms${query(filter)}`),
    pauseVm: (id: string) => request<VmData>('POST', `${vmPath(id)}/pause`, {}),
    startVm: (id: string) => request<VmData>('POST', `${vmPath(id)}/start`, {}),
    /** Local VM host extension: Freestyle v5 has no stop endpoint. */
    stopVm: (id: string) => request<VmData>('POST', `${vmPath(id)}/stop`, {}),
    deleteVm: (id: string) => request<void>('DELETE', vmPath(id)),
    /** Freestyle's snapshot of a running or paused VM; `createVm({ snapshotId })` boots from it. */
    snapshotVm: (id: string, opts: { slug?: string; displayName?: string } = {}) =>
      request<SnapshotCreated>('POST', `${vmPath(id)}/snapshot`, opts),
    deleteSnapshot: (snapshotId: string) => request<void>('DELETE', `/v5/snapshots/${seg(snapshotId)}`),
    exec: (id: string, opts: ExecOptions) => request<ExecResult>('POST', `${vmPath(id)}/exec-await`, opts),
    listPtySessions: (id: string) => request<ListPtySessionsResult>('GET', `${vmPath(id)}/pty/sessions`),
    killPtySession: (id: string, session: number | string) =>
      request<ClosePtySessionResult>('DELETE', `${vmPath(id)}/pty/sessions/${seg(session)}`),

    /** Local VM host extension: TCP ports listening inside the VM, with the process where known. */
    listPorts: (id: string) => request<ListVmPortsResult>('GET', `${vmPath(id)}/ports`),

    /** A domain whose HTTP (and WebSocket) traffic lands on a VM port: Freestyle's public ingress rule. */
    createTlsRule: (rule: CreateTlsRuleOptions) => request<TlsRuleData>('POST', '/v5/tls', rule),
    exposePort: (vmId: string, port: number, domain: string, forwardAuthId?: string) =>
      request<TlsRuleData>('POST', '/v5/tls', {
        action: 'allow',
        domain,
        source: { public: true },
        destination: { vmId, port },
        ...(forwardAuthId ? { forwardAuth: { id: forwardAuthId } } : {}),
      } satisfies CreateTlsRuleOptions),
    listTlsRules: (filter: { vmId?: string; limit?: number; offset?: number } = {}) =>
      request<ListTlsRulesResult>('GET', `/v5/tls${query(filter)}`),
    getTlsRule: (ruleId: string) => request<TlsRuleData>('GET', `/v5/tls/${seg(ruleId)}`),
    deleteTlsRule: (ruleId: string) => request<void>('DELETE', `/v5/tls/${seg(ruleId)}`),
    createForwardAuth: (config: CreateTlsForwardAuthOptions) =>
      request<TlsForwardAuthData>('POST', '/v5/tls/forward-auth', config),
    listForwardAuth: () => request<ListTlsForwardAuthResult>('GET', '/v5/tls/forward-auth'),
    deleteForwardAuth: (configId: string) => request<void>('DELETE', `/v5/tls/forward-auth/${seg(configId)}`),

    // Identities: scoped access (the SSH gateway's tokens), as Freestyle's `freestyle.identities`.
    createIdentity: (opts: { managed?: boolean } = {}) =>
      request<IdentityData>('POST', '/v5/identities', opts),
    listIdentities: () => request<ListIdentitiesResult>('GET', '/v5/identities'),
    getIdentity: (id: string) => request<IdentityInfo>('GET', identityPath(id)),
    /** Deletes its tokens and grants too. */
    deleteIdentity: (id: string) => request<void>('DELETE', identityPath(id)),
    createIdentityToken: (id: string, opts: CreateTokenOptions = {}) =>
      request<CreatedToken>('POST', `${identityPath(id)}/tokens`, opts),
    listIdentityTokens: (id: string) => request<AccessTokenInfo[]>('GET', `${identityPath(id)}/tokens`),
    revokeIdentityToken: (id: string, tokenId: string) =>
      request<void>('DELETE', `${identityPath(id)}/tokens/${seg(tokenId)}`),
    grantVmPermission: (id: string, opts: GrantVmPermissionOptions) =>
      request<VmPermission>('POST', `${identityPath(id)}/permissions/vm`, opts),
    listVmPermissions: (id: string) => request<VmPermission[]>('GET', `${identityPath(id)}/permissions/vm`),
    revokeVmPermission: (id: string, vmId: string) =>
      request<void>('DELETE', `${identityPath(id)}/permissions/vm/${seg(vmId)}`),

    /** Open (or get-or-create by slug) a PTY session. */
    ptyRequest(id: string, opts: PtyOpenOptions = {}): PtyRequest {
      const q = query({
        exec: opts.exec,
        cols: opts.cols,
        rows: opts.rows,
        linuxUser: opts.linuxUser,
        slug: opts.slug,
        replaceOnExit: opts.replaceOnExit,
      });
      return { url: `${baseUrl}${vmPath(id)}/pty${q}`, headers: { ...auth } };
    },
    /** Reattach to a session by id or slug; retained output is replayed first. */
    ptyAttachRequest(id: string, session: number | string): PtyRequest {
      return { url: `${baseUrl}${vmPath(id)}/pty/sessions/${seg(session)}`, headers: { ...auth } };
    },
  };
}

/** `http(s)://` -> `ws(s)://`, for clients (Node `ws`) that want a WebSocket scheme. */
export const toWebSocketUrl = (url: string) => url.replace(/^http/, 'ws');
