import type { AddressInfo } from 'node:net';
import ssh2, { type Connection } from 'ssh2';
import { parseSshUserName } from '../../../core/vm/identity-types';
import type { IdentityStore } from '../identities';
import type { Vm, VmManager } from '../vm-manager';
import { connectInVm, type VmConnect } from './forward';
import { loadOrCreateHostKey } from './host-key';
import { lookupLogin, type Login } from './login';
import { serveSession } from './session';

export interface SshGatewayOptions {
  port: number;
  hostname: string;
  dataDir: string;
  manager: VmManager;
  identities: IdentityStore;
  connect?: VmConnect;
  log: (line: string) => void;
}

export interface SshGateway {
  port: number;
  close(): Promise<void>;
}

/**
 * Freestyle's SSH gateway, locally: the user name `<vmId>[+<linuxUser>]:<token>` names the VM and
 * carries an identity's token (any auth method, `none` included, as Freestyle's CLI relies on). The
 * Linux user (root by default) must exist in the VM's passwd; its home and login shell are used as
 * sshd uses them (the product's per-grant users carry the grant's environment that way: docs/ssh.md).
 */
export async function startSshGateway(o: SshGatewayOptions): Promise<SshGateway> {
  const connectIn = o.connect ?? connectInVm;
  const byToken = new Map<string, Set<Connection>>();
  o.identities.onRevoked = (tokenIds) => {
    for (const id of tokenIds) for (const conn of byToken.get(id) ?? []) conn.end();
  };

  const server = new ssh2.Server({ hostKeys: [loadOrCreateHostKey(o.dataDir)] }, (conn) => {
    let admitted: { vm: Vm; tokenId: string; login: Login } | undefined;
    conn.on('error', () => undefined);
    // Keystrokes and their echo are tiny packets: Nagle would hold each for the peer's delayed ACK.
    // (ssh2 has Connection#setNoDelay; its type declarations omit it.)
    (conn as Connection & { setNoDelay(v: boolean): void }).setNoDelay(true);
    conn.on('authentication', (ctx) => {
      const parsed = parseSshUserName(ctx.username);
      const vm = parsed ? findVm(o.manager, parsed.vmId) : undefined;
      const user = parsed?.linuxUser ?? 'root';
      const r = parsed && vm ? o.identities.admit(vm.record.id, user, parsed.token) : undefined;
      const login =
        vm && r?.ok
          ? lookupLogin(o.manager.store.disk(vm.record.id), o.manager.options.isolation, user)
          : undefined;
      if (!parsed || !vm || !r?.ok || !login) {
        const why = !parsed
          ? 'malformed user name'
          : !vm
            ? 'unknown VM'
            : r?.ok
              ? 'no such Linux user'
              : r?.reason;
        if (ctx.method === 'none') o.log(`[vm-host] ssh: refused ${parsed?.vmId ?? '?'}: ${why}`);
        return ctx.reject(['none']);
      }
      admitted = { vm, tokenId: r.tokenId, login };
      ctx.accept();
    });
    conn.on('ready', () => {
      const a = admitted!;
      const set = byToken.get(a.tokenId) ?? new Set();
      set.add(conn);
      byToken.set(a.tokenId, set);
      conn.on('close', () => set.delete(conn));
      const valid = () => o.identities.stillValid(a.tokenId, a.vm.record.id);
      // The VM host's state rule for exec and PTY holds here too: a paused VM refuses (the product
      // resumes it first, as `POST .../ssh` does; waking it here would only be undone by the room's
      // reconciliation), a stopped one boots.
      const ready = async () => {
        if (!valid()) throw new Error('token no longer valid');
        await o.manager.ensureRunning(a.vm).catch((e: unknown) => {
          // Plain ssh cannot reach the product to resume it; say what does (docs/ssh.md).
          if ((e as { code?: string }).code === 'VM_PAUSED')
            throw new Error(
              'workspace paused: run `cw ssh <workspace>` or Resume in the app, then connect again',
            );
          throw e;
        });
      };
      conn.on('session', (accept, reject) =>
        valid() ? serveSession(accept(), o.manager, a.vm, a.login, ready, o.log) : reject(),
      );
      conn.on('tcpip', (accept, reject, info) => {
        ready()
          .then(() => connectIn(a.vm, info.destIP, info.destPort))
          .then(
            (upstream) => {
              const ch = accept();
              ch.pipe(upstream).pipe(ch);
              ch.on('close', () => upstream.destroy());
              upstream.on('close', () => ch.close());
              upstream.on('error', () => ch.close());
            },
            () => reject(),
          );
      });
    });
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port, o.hostname, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const set of byToken.values()) for (const c of set) c.end();
        server.close(() => r());
      }),
  };
}

function findVm(manager: VmManager, id: string): Vm | undefined {
  try {
    return manager.get(id);
  } catch {
    return undefined;
  }
}
