import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Vm } from '../vm-manager';

/** Opens a TCP connection "from inside" a VM, for `ssh -L`; resolves once connected. */
export type VmConnect = (vm: Vm, host: string, port: number) => Promise<Duplex>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', 'ip6-localhost']);

/**
 * The VM's loopback is its own network namespace's (through the VM manager's network); any other
 * destination is dialled as the VM's outbound traffic would go, from the host.
 */
export const connectInVm: VmConnect = (vm, host, port) => {
  if (LOOPBACK.has(host) || host.startsWith('127.')) return vm.network.connect(port);
  return new Promise<Socket>((ok, fail) => {
    const s = connect({ host, port });
    s.once('connect', () => ok(s));
    s.once('error', fail);
  });
};
