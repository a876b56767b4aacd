import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createPtyUpgradeHandler } from './pty-ws';
import { createRequestHandler, type HealthInfo } from './routes';
import { detectNetwork, type NetworkMode } from './netns';
import { detectIsolation, type Isolation } from './sandbox';
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
  /** Force an isolation mode (tests); detected by default. */
  isolation?: Isolation;
  /** Force a network mode (tests); detected by default (`host` without bubblewrap). */
  network?: NetworkMode;
  memoryMiB?: number;
  maxPids?: number;
  /** Log lines (ready, warnings); default console. */
  log?: (line: string) => void;
}

export interface VmHost {
  /** e.g. http://127.0.0.1:8790 */
  url: string;
  port: number;
  manager: VmManager;
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
  const manager = new VmManager({
    dataDir: resolve(options.dataDir),
    readonlyPaths: (options.readonlyPaths ?? []).filter(Boolean).map((p) => resolve(p)),
    isolation,
    network,
    log,
    memoryMiB: options.memoryMiB,
    maxPids: options.maxPids,
  });
  const cgroups = manager.cgroups.support;
  const missing = Object.entries(cgroups)
    .filter(([, ok]) => !ok)
    .map(([c]) => c);
  if (missing.length)
    log(`[vm-host] cgroup v1 controllers unavailable (${missing.join(', ')}): limits/freezer degrade`);

  const health = (): HealthInfo => ({
    ok: true,
    isolation,
    network,
    cgroups,
    vms: manager.count,
  });
  const server = createServer(createRequestHandler(manager, options.apiKey, health));
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
  log(
    `[vm-host] ready on ${url} (isolation: ${isolation}, network: ${network}, data: ${manager.options.dataDir})`,
  );

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      await manager.shutdown();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    })();
    return closed;
  };
  return {
    url,
    port,
    manager,
    health,
    close,
    async destroy() {
      for (const vm of manager.list({}).vms) await manager.delete(vm.id).catch(() => undefined);
      await close();
    },
  };
}
