// The query `cw login` opens the page with. Bounded and checked: the page only ever posts to this
// machine's loopback, on a port in the unprivileged range, with a state cw chose.

export interface CliLoginRequest {
  port: number;
  state: string;
  host: string;
}

export function parseCliLogin(q: { port?: string; state?: string; host?: string }): CliLoginRequest | null {
  const port = Number(q.port);
  if (!/^\d{4,5}$/.test(q.port ?? '') || port < 1024 || port > 65535) return null;
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(q.state ?? '')) return null;
  const host = (q.host ?? '').trim() || 'this machine';
  if (host.length > 64 || !/^[\w.-]+( [\w.-]+)*$/.test(host)) return null;
  return { port, state: q.state!, host };
}
