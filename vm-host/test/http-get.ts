import { request, type IncomingHttpHeaders } from 'node:http';

// A raw HTTP request naming its own `Host` (fetch cannot, and Node resolves no `*.localhost`), with
// the time each chunk arrived, so a test can tell a streamed answer from a buffered one.

export interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** ms from the request to each chunk. */
  chunkTimes: number[];
}

export interface GetOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** `path` at `baseUrl` (`http://127.0.0.1:<port>`) with `Host: host`. */
export function httpGet(baseUrl: string, host: string, path: string, opts: GetOptions = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const req = request(`${baseUrl}${path}`, {
      method: opts.method ?? 'GET',
      headers: { host, ...opts.headers },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      const chunkTimes: number[] = [];
      res.on('data', (b: Buffer) => {
        chunks.push(b);
        chunkTimes.push(Date.now() - started);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
          chunkTimes,
        }),
      );
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
