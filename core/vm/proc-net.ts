import type { VmPort } from './types';

/**
 * Listening TCP ports from `/proc/net/tcp` and `tcp6` text (for VMs whose platform has no ports
 * endpoint: Freestyle's). State `0A` is LISTEN; the local address is `HEXIP:HEXPORT`.
 */
export function parseProcNetTcp(text: string): VmPort[] {
  const seen = new Map<number, VmPort>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== '0A' || !f[1]?.includes(':')) continue;
    const [ip, hexPort] = f[1].split(':') as [string, string];
    const port = parseInt(hexPort, 16);
    if (!port || seen.has(port)) continue;
    seen.set(port, { port, address: ip.length > 8 ? '::' : ipv4(ip) });
  }
  return [...seen.values()].sort((a, b) => a.port - b.port);
}

const ipv4 = (hex: string) => [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
