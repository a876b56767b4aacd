import { connect } from 'node:net';

// A loopback-only HTTP client for the chaos run: it refuses any other host, so a typo cannot aim
// hostile traffic at a real deployment.

export interface Reply {
  status: number;
  text: string;
  json: any;
  headers: Headers;
}

export function loopbackBase(raw: string): URL {
  const url = new URL(raw);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`chaos runs against a local stack only (127.0.0.1 / localhost), not ${url.hostname}`);
  }
  return url;
}

export function createClient(base: URL) {
  const origin = base.origin;
  async function call(
    path: string,
    opts: {
      method?: string;
      body?: unknown;
      raw?: string;
      type?: string;
      cookie?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { origin, ...opts.headers };
    if (opts.cookie) headers.cookie = opts.cookie;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
    try {
      const res = await fetch(origin + path, {
        method: opts.method ?? (body !== undefined ? 'POST' : 'GET'),
        headers,
        body,
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      let json: any = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: kept as text
      }
      return { status: res.status, text, json, headers: res.headers };
    } catch (err) {
      return { status: 0, text: (err as Error).message, json: null, headers: new Headers() };
    }
  }

  /** Declares a body, sends two bytes of it and hangs up (what made wrangler dev exit). */
  function hangUp(path: string): Promise<void> {
    return new Promise((resolve) => {
      const s = connect({ host: base.hostname, port: Number(base.port || 80) }, () => {
        s.write(
          `POST ${path} HTTP/1.1\r\nHost: ${base.host}\r\nContent-Type: application/json\r\n` +
            `Content-Length: 1000\r\n\r\n{"`,
        );
        setTimeout(() => s.destroy(), 100);
      });
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
  }

  return { origin, call, hangUp };
}

export type Client = ReturnType<typeof createClient>;
