import type { ExecOptions, ExecResult, VmPort } from './types';

/** What a VM runs to show its own socket table (its network namespace's, read from inside). */
export const PROC_NET_TCP_COMMAND = 'cat /proc/net/tcp /proc/net/tcp6 2>/dev/null';

/**
 * The listening TCP ports of a VM whose platform has no ports endpoint (Freestyle's): its own
 * `/proc/net/tcp` and `tcp6`, read with exec. No process names: the table does not carry them.
 */
export async function listPortsByExec(
  vm: { exec(vmId: string, req: ExecOptions): Promise<ExecResult> },
  vmId: string,
): Promise<VmPort[]> {
  const r = await vm.exec(vmId, { command: PROC_NET_TCP_COMMAND, timeoutMs: 5000 });
  return parseProcNetTcp(r.stdout ?? '');
}

/**
 * Listening TCP ports from `/proc/net/tcp` and `tcp6` text. State `0A` is LISTEN; the local address
 * is `HEXIP:HEXPORT`, the IP in the kernel's byte order (little-endian 32-bit words).
 */
export function parseProcNetTcp(text: string): VmPort[] {
  const seen = new Map<number, VmPort>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== '0A' || !f[1]?.includes(':')) continue;
    const [ip, hexPort] = f[1].split(':') as [string, string];
    const port = parseInt(hexPort, 16);
    if (!port || seen.has(port) || !/^(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{32})$/.test(ip)) continue;
    seen.set(port, { port, address: ip.length === 8 ? ipv4(ip) : ipv6(ip) });
  }
  return [...seen.values()].sort((a, b) => a.port - b.port);
}

const ipv4 = (hex: string) => [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');

/** Four little-endian words, shortened the usual way (`::`, `::1`, `::ffff:127.0.0.1` stays hex). */
function ipv6(hex: string): string {
  const words = hex.match(/.{8}/g)!.map((w) => w.match(/../g)!.reverse().join(''));
  const groups = words.flatMap((w) => [w.slice(0, 4), w.slice(4)]).map((g) => parseInt(g, 16).toString(16));
  // The longest run of zero groups (two or more) becomes `::`.
  let best = -1;
  let len = 0;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > len && j - i >= 2) [best, len] = [i, j - i];
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + len).join(':')}`;
}
