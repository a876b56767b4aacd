import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createForwarder } from './forward';
import { IdentityStore } from './identities';
import { identityRoutes } from './identity-routes';
import { Snapshots, snapshotRoutes } from './snapshots';
import { createPtyUpgradeHandler } from './pty-ws';
import { createRequestHandler, type HealthInfo } from './routes';
import { detectDiskQuota, type DiskQuotaMode } from './disk';
import { detectNetwork, type NetworkMode } from './netns';
import { detectIsolation, type Isolation } from './sandbox';
import { TlsRules } from './tls-rules';
import type { VmConnect } from './ssh/forward';
import { startSshGateway } from './ssh/gateway';
import { VmManager } from './vm-manager';

export interface VmHostOptions {
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  apiKey: string;
  /** Host paths visible read-only, at the same path, inside every VM (e.g. local git repositories). */
  readonlyPaths?: string[];
  /** Defaults to 127.0.0.1: the host runs commands for anyone holding the key. */
  hostname?: string;
  /** Port of the forwarding listener that serves `/v5/tls` domains (0, the default, picks one). */
  forwardPort?: number;
  /** Force an isolation mode (tests); detected by default. */
  isolation?: Isolation;
  /** Force a network mode (tests); detected by default (`host` without bubblewrap). */
  network?: NetworkMode;
  memoryMiB?: number;
  maxPids?: number;
  /** Disk quota of each new VM, MiB (default 16384). */
  diskMiB?: number;
  /** Force how quotas are enforced (tests); detected by default: `ext4-loop` where loop mounts work. */
  diskQuota?: DiskQuotaMode;
  /** The SSH gateway's port (0 picks a free one, the default); null runs no gateway. */
  sshPort?: number | null;
  /** How the gateway's `ssh -L` reaches into a VM's network (default: the host's). */
  connect?: VmConnect;
  /** Log lines (ready, warnings); default console. */
  log?: (line: string) => void;
}

export interface VmHost {
  /** e.g. http://127.0.0.1:8790 */
  url: string;
  port: number;
  /** Where HTTP for a `/v5/tls` domain goes (that domain as Host, or X-Forwarded-Host), e.g. http://127.0.0.1:8791 */
  forwardUrl: string;
  /** The SSH gateway's port on the same hostname, null without one. */
  sshPort: number | null;
  manager: VmManager;
  rules: TlsRules;
  identities: IdentityStore;
  health(): HealthInfo;
  /** Kills every VM process, keeps VM state on disk, closes the listener. */
  close(): Promise<void>;
  /** For tests: deletes every VM (processes, cgroups, directories), then closes. */
  destroy(): Promise<void>;
}

export async function startVmHost(options: VmHostOptions): Promise<VmHost> {
  if (!options.apiKey) throw new Error('vm-host: apiKey is required');
  const log = options.log ?? ((l: string) => console.log(l));
  const isolation = options.isolation ?? detectIsolation();
  if (isolation === 'none') {
    log('[vm-host] WARNING: bubblewrap is unavailable: VM processes run UNISOLATED as plain host processes');
  }
  const network = isolation === 'none' ? 'host' : (options.network ?? detectNetwork());
  if (network === 'host' && isolation !== 'none') {
    log(
      "[vm-host] WARNING: slirp4netns is unavailable: VMs share the host's network and reach its loopback services",
    );
  }
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const diskQuota = options.diskQuota ?? detectDiskQuota(dataDir);
  if (diskQuota === 'none') {
    log(
      '[vm-host] WARNING: loop-mounted disk images are unavailable (not root, or no loop devices): disk quotas are reported, not enforced',
    );
  }
  const manager = new VmManager({
    dataDir,
    readonlyPaths: (options.readonlyPaths ?? []).filter(Boolean).map((p) => resolve(p)),
    isolation,
    network,
    log,
    memoryMiB: options.memoryMiB,
    maxPids: options.maxPids,
    diskMiB: options.diskMiB,
    diskQuota,
  });
  const cgroups = manager.cgroups.support;
  const missing = Object.entries(cgroups)
    .filter(([, ok]) => !ok)
    .map(([c]) => c);
  if (missing.length)
    log(`[vm-host] cgroup v1 controllers unavailable (${missing.join(', ')}): limits/freezer degrade`);

  const rules = new TlsRules(join(manager.options.dataDir, 'tls.json'), {
    vm: (idOrSlug) => {
      const { id, slug, displayName } = manager.get(idOrSlug).record;
      return { id, slug, displayName };
    },
  });
  let forwardUrl = '';
  const health = (): HealthInfo => ({
    ok: true,
    isolation,
    network,
    cgroups,
    diskQuota,
    vms: manager.count,
    forwardUrl,
  });
  const identities = new IdentityStore(manager.options.dataDir);
  const server = createServer(
    createRequestHandler(manager, rules, options.apiKey, health, [
      ...identityRoutes(identities, manager),
      ...snapshotRoutes(new Snapshots(manager.options.dataDir), manager),
    ]),
  );
  // exec-await can legitimately run for a long time.
  server.requestTimeout = 0;
  server.on('upgrade', createPtyUpgradeHandler(manager, options.apiKey));

  const hostname = options.hostname ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port, hostname, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${hostname}:${port}`;
  const forwarder = createForwarder(manager, rules);
  await new Promise<void>((ok, fail) => {
    forwarder.once('error', (e) => server.close(() => fail(e)));
    forwarder.listen(options.forwardPort ?? 0, hostname, () => ok());
  });
  forwardUrl = `http://${hostname}:${(forwarder.address() as AddressInfo).port}`;
  const ssh =
    options.sshPort === null
      ? null
      : await startSshGateway({
          port: options.sshPort ?? 0,
          hostname,
          dataDir: manager.options.dataDir,
          manager,
          identities,
          connect: options.connect,
          log,
        });
  const sshNote = ssh ? `, ssh: ${hostname}:${ssh.port}` : '';
  log(
    `[vm-host] ready on ${url} (isolation: ${isolation}, network: ${network}, disk quota: ${diskQuota}, forwarding: ${forwardUrl}${sshNote}, data: ${manager.options.dataDir})`,
  );

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      await manager.shutdown();
      await ssh?.close();
      for (const srv of [server, forwarder]) {
        srv.closeAllConnections();
        await new Promise<void>((r) => srv.close(() => r()));
      }
    })();
    return closed;
  };
  return {
    url,
    port,
    forwardUrl,
    sshPort: ssh?.port ?? null,
    manager,
    rules,
    identities,
    health,
    close,
    async destroy() {
      for (const vm of manager.list({}).vms) {
        await manager.delete(vm.id).catch(() => undefined);
        rules.deleteForVm(vm.id);
      }
      await close();
    },
  };
}
