import type { IncomingMessage, ServerResponse } from 'node:http';
import { HostError, badRequest } from './errors';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status = 204) {
  res.writeHead(status);
  res.end();
}

export function sendError(res: ServerResponse, err: unknown) {
  if (err instanceof HostError) return sendJson(res, err.status, { code: err.code, message: err.message });
  console.error('[vm-host] internal error', err);
  sendJson(res, 500, { code: 'INTERNAL_ERROR', message: (err as Error)?.message ?? 'internal error' });
}

/** Bodies are small JSON (exec stdin is capped at 1 MiB decoded, so ~1.4 MiB base64). */
const MAX_BODY = 4 * 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HostError(413, 'PAYLOAD_TOO_LARGE', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw badRequest('request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw badRequest('body must be a JSON object');
  return parsed as Record<string, unknown>;
}
