import { Freestyle, FreestyleApiError } from 'freestyle';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVmClient, listPortsByExec, sshUserName, VmApiError, type VmData } from '../../core/vm';
import { API_KEY, PtyClient, startTestHost, until, type TestHost } from './helpers';
import { VM_SERVER_PATHS, startVmServer } from './vm-server';
import { run, sshOptions } from './ssh-client';

// The same scenarios run through Freestyle's own SDK and through our core/vm client: if the SDK is happy
// with the local host, the product's client can be pointed at Freestyle unchanged.

interface Driver {
  create(): Promise<{ id: string; state: string }>;
  get(id: string): Promise<{ id: string; state: string }>;
  exec(
    id: string,
    command: string,
  ): Promise<{ stdout?: string | null; stderr?: string | null; statusCode?: number | null }>;
  openPty(
    id: string,
  ): Promise<{ write(s: string): void; output(): string; sessionId(): number; close(): void }>;
  listSessions(id: string): Promise<{ sessionId: number; state: string }[]>;
  remove(id: string): Promise<void>;
  /** Snapshots: take one of a VM, boot a new VM from it, delete it. */
  snapshot(id: string): Promise<{ snapshotId: string; sourceVmId: string | null }>;
  createFrom(snapshotId: string): Promise<{ id: string; state: string }>;
  deleteSnapshot(snapshotId: string): Promise<void>;
  /** A public HTTP ingress rule: `domain` lands on the VM's `port`. */
  exposePort(
    vmId: string,
    port: number,
    domain: string,
  ): Promise<{ id: string; domain: string; destination: unknown }>;
  listRules(vmId: string): Promise<{ id: string }[]>;
  deleteRule(id: string): Promise<void>;
  createForwardAuth(url: string, headers: Record<string, string>): Promise<{ id: string; headers?: unknown }>;
  deleteForwardAuth(id: string): Promise<void>;
  identities: {
    create(): Promise<{ id: string; managed: boolean }>;
    get(id: string): Promise<{ id: string; managed: boolean }>;
    grant(
      id: string,
      vmId: string,
    ): Promise<{ identityId: string; vmId: string; allowedLinuxUsers: unknown }>;
    permissions(id: string): Promise<{ vmId: string }[]>;
    token(id: string): Promise<{ id: string; token: string }>;
    tokens(id: string): Promise<{ id: string }[]>;
    revokeToken(id: string, tokenId: string): Promise<void>;
    remove(id: string): Promise<void>;
  };
  /** Normalised error of a failed call. */
  error(e: unknown): { status: number; code: string };
}

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ readonlyPaths: VM_SERVER_PATHS });
});
afterAll(() => host.cleanup());

const drivers: Record<string, () => Driver> = {
  'freestyle SDK': () => {
    const fs = new Freestyle({ apiKey: API_KEY, baseUrl: host.url });
    return {
      create: async () => (await fs.vms.create({ firewall: { rules: [] } })).data,
      get: (id) => fs.vms.get(id),
      exec: (id, command) => fs.vms.ref(id).exec({ command }),
      async openPty(id) {
        let out = '';
        const s = await fs.vms
          .ref(id)
          .pty.open({ cols: 100, rows: 30, onData: (b) => (out += Buffer.from(b).toString()) });
        return {
          write: (x) => s.write(x),
          output: () => out,
          sessionId: () => s.sessionId,
          close: () => s.detach(),
        };
      },
      listSessions: async (id) => (await fs.vms.ref(id).pty.list()).sessions,
      remove: (id) => fs.vms.delete(id),
      snapshot: (id) => fs.vms.ref(id).snapshot(),
      createFrom: async (snapshotId) => (await fs.vms.create({ snapshotId, firewall: { rules: [] } })).data,
      deleteSnapshot: (snapshotId) => fs.vms.snapshots.delete(snapshotId),
      exposePort: (vmId, port, domain) =>
        fs.tls.rules.create({
          action: 'allow',
          domain,
          source: { public: true },
          destination: { vmId, port },
        }),
      listRules: async (vmId) => (await fs.tls.rules.list({ vmId })).rules,
      deleteRule: (id) => fs.tls.rules.delete(id),
      createForwardAuth: (url, headers) => fs.tls.forwardAuth.create({ url, headers }),
      deleteForwardAuth: (id) => fs.tls.forwardAuth.delete(id),
      identities: {
        create: async () => (await fs.identities.create()).data,
        get: (id) => fs.identities.get(id),
        grant: (id, vmId) => fs.identities.ref(id).permissions.vm.grant({ vmId }),
        permissions: (id) => fs.identities.ref(id).permissions.vm.list(),
        token: (id) => fs.identities.ref(id).tokens.create(),
        tokens: (id) => fs.identities.ref(id).tokens.list(),
        revokeToken: (id, tokenId) => fs.identities.ref(id).tokens.revoke(tokenId),
        remove: (id) => fs.identities.delete(id),
      },
      error: (e) => {
        expect(e).toBeInstanceOf(FreestyleApiError);
        return { status: (e as FreestyleApiError).status, code: (e as FreestyleApiError).code };
      },
    };
  },
  'core/vm client': () => {
    const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
    return {
      create: () => c.createVm(),
      get: (id) => c.getVm(id),
      exec: (id, command) => c.exec(id, { command }),
      async openPty(id) {
        const { url, headers } = c.ptyRequest(id, { cols: 100, rows: 30 });
        const p = await PtyClient.open(url, headers);
        return {
          write: (x) => p.write(x),
          output: () => p.text,
          sessionId: () => p.info!.sessionId,
          close: () => p.close(),
        };
      },
      listSessions: async (id) => (await c.listPtySessions(id)).sessions,
      remove: (id) => c.deleteVm(id),
      snapshot: (id) => c.snapshotVm(id),
      createFrom: (snapshotId) => c.createVm({ snapshotId }),
      deleteSnapshot: (snapshotId) => c.deleteSnapshot(snapshotId),
      exposePort: (vmId, port, domain) => c.exposePort(vmId, port, domain),
      listRules: async (vmId) => (await c.listTlsRules({ vmId })).rules,
      deleteRule: (id) => c.deleteTlsRule(id),
      createForwardAuth: (url, headers) => c.createForwardAuth({ url, headers }),
      deleteForwardAuth: (id) => c.deleteForwardAuth(id),
      identities: {
        create: () => c.createIdentity(),
        get: (id) => c.getIdentity(id),
        grant: (id, vmId) => c.grantVmPermission(id, { vmId }),
        permissions: (id) => c.listVmPermissions(id),
        token: (id) => c.createIdentityToken(id),
        tokens: (id) => c.listIdentityTokens(id),
        revokeToken: (id, tokenId) => c.revokeIdentityToken(id, tokenId),
        remove: (id) => c.deleteIdentity(id),
      },
      error: (e) => {
        expect(e).toBeInstanceOf(VmApiError);
        return { status: (e as VmApiError).status, code: (e as VmApiError).code };
      },
    };
  },
};

describe.each(Object.keys(drivers))('contract via %s', (name) => {
  it('creates a VM, execs, opens a PTY and types into it, deletes', async () => {
    const d = drivers[name]!();
    const vm = await d.create();
    expect(vm.id).toMatch(/^[a-z0-9]+$/);
    expect(vm.state).toBe('running');
    expect((await d.get(vm.id)).state).toBe('running');

    const r = await d.exec(vm.id, 'echo hello; echo oops >&2; exit 7');
    expect(r).toMatchObject({ stdout: 'hello\n', stderr: 'oops\n', statusCode: 7 });

    const pty = await d.openPty(vm.id);
    expect(pty.sessionId()).toBeGreaterThan(0);
    pty.write('echo h""i\r');
    await until(() => /[\r\n]hi\r\n/.test(pty.output()), 'echo output');
    const sessions = await d.listSessions(vm.id);
    expect(sessions).toEqual([expect.objectContaining({ sessionId: pty.sessionId(), state: 'running' })]);
    pty.close();

    await d.remove(vm.id);
    const err = await d.get(vm.id).then(
      () => undefined,
      (e) => d.error(e),
    );
    expect(err).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  it('snapshots a VM: a VM booted from it has its files, and the snapshot can be deleted', async () => {
    const d = drivers[name]!();
    const vm = await d.create();
    await d.exec(
      vm.id,
      'mkdir -p /workspace/node_modules && echo installed > /workspace/node_modules/marker',
    );
    const snap = await d.snapshot(vm.id);
    expect(snap).toMatchObject({ snapshotId: expect.any(String), sourceVmId: vm.id });
    // Later changes of the source are not in the snapshot.
    await d.exec(vm.id, 'echo later > /workspace/later');
    const copy = await d.createFrom(snap.snapshotId);
    expect(copy.id).not.toBe(vm.id);
    expect(copy.state).toBe('running');
    expect((await d.exec(copy.id, 'cat /workspace/node_modules/marker; ls /workspace')).stdout).toBe(
      'installed\nnode_modules\n',
    );
    await d.deleteSnapshot(snap.snapshotId);
    const gone = await d.createFrom(snap.snapshotId).then(
      () => undefined,
      (e) => d.error(e),
    );
    expect(gone).toEqual({ status: 404, code: 'NOT_FOUND' });
    await d.remove(copy.id);
    await d.remove(vm.id);
  });

  it("reports resources and CPU time in Freestyle's VmData fields, the local host's extras under `local`", async () => {
    const d = drivers[name]!();
    const vm = await d.create();
    await d.exec(vm.id, 'i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done');
    const data = (await d.get(vm.id)) as unknown as VmData;
    expect(data.resources).toEqual({
      cpu: expect.any(Number),
      memory: expect.any(Number),
      storage: expect.any(Number),
    });
    expect(data.cpuTimeSeconds).toBeGreaterThan(0);
    // Only what Freestyle's VmData lacks is under `local`, and nothing of it at the top level.
    expect(data.local).toMatchObject({
      memory: { usedBytes: expect.any(Number), limitBytes: data.resources.memory * 1024 * 1024 },
      oomKills: { count: 0, last: null },
      disk: { quotaBytes: data.resources.storage * 1024 * 1024, enforced: expect.any(Boolean) },
      crash: null,
      hostShutdown: null,
    });
    expect(Object.keys(data)).not.toContain('memory');
    await d.remove(vm.id);
  });

  it('maps a domain to a VM port with a TLS rule; the forward reaches the server in the VM', async () => {
    const d = drivers[name]!();
    const vm = await d.create();
    const pty = await startVmServer(createVmClient({ baseUrl: host.url, apiKey: API_KEY }), vm.id, 3000);
    const domain = `app-${vm.id}.localhost`;
    const rule = await d.exposePort(vm.id, 3000, domain);
    expect(rule).toMatchObject({ id: expect.any(String), domain, destination: { vmId: vm.id, port: 3000 } });
    expect((await d.listRules(vm.id)).map((r) => r.id)).toEqual([rule.id]);
    // fetch cannot set Host: X-Forwarded-Host names the domain instead.
    const res = await fetch(host.forwardUrl, { headers: { 'x-forwarded-host': domain } });
    expect(await res.text()).toBe('hello from port 3000');

    const auth = await d.createForwardAuth('https://auth.example.test/check', { 'x-key': 'secret' });
    expect(auth).toMatchObject({ id: expect.any(String), headers: { 'x-key': '***' } });
    await d.deleteForwardAuth(auth.id);

    await d.deleteRule(rule.id);
    expect(await d.listRules(vm.id)).toEqual([]);
    pty.close();
  });

  it("lists what listens from the VM's own /proc/net/tcp and tcp6 (the room's way on Freestyle)", async () => {
    const d = drivers[name]!();
    const vm = await d.create();
    const c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
    const v4 = await startVmServer(c, vm.id, 3000, '127.0.0.1');
    const v6 = await startVmServer(c, vm.id, 5173, '::');
    // The real kernel's text, read by exec inside the VM's network namespace, through this driver.
    const raw = (await d.exec(vm.id, 'cat /proc/net/tcp /proc/net/tcp6')).stdout ?? '';
    expect(raw.match(/local_address/g)).toHaveLength(2);
    const listed = await listPortsByExec({ exec: (id, req) => d.exec(id, req.command) }, vm.id);
    expect(listed).toEqual([
      { port: 3000, address: '127.0.0.1' },
      { port: 5173, address: '::' },
    ]);
    // The same ports the local host's own endpoint reports; nothing of the host's network leaks in.
    const own = (await c.listPorts(vm.id)).ports.map((p) => ({ port: p.port, address: p.address }));
    expect(listed).toEqual(own);
    // A server that stops leaves the table (a detached PTY keeps running: end its session).
    for (const pty of [v4, v6]) {
      await c.killPtySession(vm.id, pty.info!.sessionId);
      pty.close();
    }
    await until(async () => (await listPortsByExec(c, vm.id)).length === 0, 'servers gone');
    await d.remove(vm.id);
  });

  it('grants an identity a VM, mints a token the SSH gateway admits, revokes it, deletes the identity', async () => {
    const d = drivers[name]!();
    const vm = await d.create();
    const identity = await d.identities.create();
    expect(identity).toEqual({ id: expect.any(String), managed: false });
    expect(await d.identities.get(identity.id)).toMatchObject({ id: identity.id, managed: false });
    expect(await d.identities.grant(identity.id, vm.id)).toMatchObject({
      identityId: identity.id,
      vmId: vm.id,
      allowedLinuxUsers: null,
    });
    expect(await d.identities.permissions(identity.id)).toEqual([expect.objectContaining({ vmId: vm.id })]);
    const token = await d.identities.token(identity.id);
    expect(await d.identities.tokens(identity.id)).toEqual([{ id: token.id }]);

    const ssh = (cmd: string) =>
      run('ssh', [...sshOptions(host.sshPort!, sshUserName(vm.id, token.token)), '127.0.0.1', cmd]);
    expect(await ssh('echo via-gateway')).toMatchObject({ code: 0, stdout: 'via-gateway\n' });
    await d.identities.revokeToken(identity.id, token.id);
    expect((await ssh('true')).code).toBe(255);

    await d.identities.remove(identity.id);
    const err = await d.identities.get(identity.id).then(
      () => undefined,
      (e) => d.error(e),
    );
    expect(err).toEqual({ status: 404, code: 'NOT_FOUND' });
    await d.remove(vm.id);
  });

  it('answers errors as { code, message } with the right status', async () => {
    const d = drivers[name]!();
    const err = await d.exec('no-such-vm', 'true').then(
      () => undefined,
      (e) => d.error(e),
    );
    expect(err).toEqual({ status: 404, code: 'NOT_FOUND' });
  });
});

describe('core/vm client specifics', () => {
  it('turns an unreachable host into VM_HOST_UNREACHABLE (503)', async () => {
    const c = createVmClient({ baseUrl: 'http://127.0.0.1:1', apiKey: API_KEY });
    await expect(c.listVms()).rejects.toMatchObject({ status: 503, code: 'VM_HOST_UNREACHABLE' });
  });

  it('uses an injected fetch (workerd needs a bound one)', async () => {
    const seen: string[] = [];
    const c = createVmClient({
      baseUrl: host.url + '/',
      apiKey: API_KEY,
      fetch: (input, init) => {
        seen.push(String(input));
        return fetch(input, init);
      },
    });
    const list = await c.listVms();
    expect(list).toMatchObject({ totalCount: expect.any(Number), vms: expect.any(Array) });
    expect(seen).toEqual([`${host.url}/v5/vms`]);
    const req = c.ptyRequest('abc', { slug: 'main', cols: 80, rows: 24, exec: 'bash -l' });
    expect(req.url).toBe(`${host.url}/v5/vms/abc/pty?exec=bash+-l&cols=80&rows=24&slug=main`);
    expect(req.headers).toEqual({ Authorization: `Bearer ${API_KEY}` });
  });
});
