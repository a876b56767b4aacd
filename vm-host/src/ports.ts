import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** A TCP port something listens on inside a VM. */
export interface ListeningPort {
  port: number;
  /** The address it is bound to, e.g. `0.0.0.0`, `127.0.0.1`, `::`. */
  address: string;
  /** The owning process's name (`/proc/<pid>/comm`), when it is one of the VM's processes. */
  process?: string;
  pid?: number;
}

const LISTEN = '0A';

/** `0100007F` -> 127.0.0.1; IPv6 is four such little-endian words. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(''));
  if (words.length === 1)
    return words[0]!
      .match(/../g)!
      .map((b) => parseInt(b, 16))
      .join('.');
  const groups = words.flatMap((w) => [w.slice(0, 4), w.slice(4)]).join(':');
  return new URL(`http://[${groups}]`).hostname.slice(1, -1);
}

/** Listening sockets of the network namespace `pid` is in: inode -> port and address. */
function listeningSockets(pid: number | 'self'): Map<string, { port: number; address: string }> {
  const out = new Map<string, { port: number; address: string }>();
  for (const file of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== LISTEN) continue;
      const [addr, port] = f[1]!.split(':');
      out.set(f[9]!, { port: parseInt(port!, 16), address: decodeAddress(addr!) });
    }
  }
  return out;
}

/** Socket inode -> the process holding it, over the given pids' open files. */
function socketOwners(pids: number[]): Map<string, { pid: number; process: string }> {
  const owners = new Map<string, { pid: number; process: string }>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    let name: string | undefined;
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (!m || owners.has(m[1]!)) continue;
      try {
        name ??= readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        break;
      }
      owners.set(m[1]!, { pid, process: name });
    }
  }
  return owners;
}

/**
 * The TCP ports listening in a VM, one entry per port. `netnsPid` is a process in the VM's own network
 * namespace; without one (host network) only sockets the VM's own processes hold are reported.
 */
export function listeningPorts(netnsPid: number | undefined, vmPids: number[]): ListeningPort[] {
  const sockets = listeningSockets(netnsPid ?? 'self');
  const owners = socketOwners(vmPids);
  const byPort = new Map<number, ListeningPort>();
  for (const [inode, { port, address }] of sockets) {
    const owner = owners.get(inode);
    if (netnsPid === undefined && !owner) continue;
    const prev = byPort.get(port);
    if (prev && (prev.process || !owner)) continue;
    byPort.set(port, { port, address, ...(owner ? { process: owner.process, pid: owner.pid } : {}) });
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}
