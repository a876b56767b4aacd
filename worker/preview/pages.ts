import { ErrorCode } from '../../core/errors';

// What a preview URL answers when it cannot forward: a small page for a browser, our JSON error for
// anything else (fetch, curl, a dev server's client).

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(
  status: number,
  title: string,
  body: string,
  extraHead = '',
  headers: Record<string, string> = {},
) {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">${extraHead}<title>${esc(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;margin:0;min-height:100vh;display:grid;place-items:center;background:#0f1115;color:#e6e6e6}main{max-width:34rem;padding:2rem}h1{font-size:1.25rem;margin:0 0 .5rem}p{color:#b8bcc6}code{background:#1d2028;padding:.1rem .35rem;border-radius:4px}a{color:#8ab4ff}</style></head><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
  return new Response(html, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

const json = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  Response.json(
    { error: { code, message } },
    { status, headers: { 'cache-control': 'no-store', ...headers } },
  );

export interface PageContext {
  html: boolean;
  port: number;
  name: string;
  appUrl: string;
}

export function resuming(c: PageContext) {
  const msg = `${c.name} is paused; resuming it.`;
  if (!c.html)
    return json(503, ErrorCode.serviceUnavailable, `${msg} Try again in a moment.`, { 'retry-after': '1' });
  return page(
    503,
    'Resuming…',
    `<p>Resuming <b>${esc(c.name)}</b>. This page continues by itself once port ${c.port} answers.</p>`,
    '<meta http-equiv="refresh" content="1">',
    { 'retry-after': '1' },
  );
}

export function nothingListening(c: PageContext) {
  const msg = `Nothing is listening on port ${c.port} in ${c.name}. Start your dev server, then reload.`;
  if (!c.html) return json(502, ErrorCode.nothingListening, msg);
  return page(
    502,
    'Start your dev server',
    `<p>Nothing is listening on port <b>${c.port}</b> in <b>${esc(c.name)}</b>.</p><p>Start it in a terminal of the workspace (for example <code>npm run dev</code>), bound to <code>0.0.0.0</code> or <code>localhost</code>, then reload this page.</p><p><a href="${esc(c.appUrl)}">Open the workspace</a></p>`,
  );
}

export function notRunning(c: PageContext, status: string) {
  const msg = `${c.name} is ${status}: start it from the app, then reload.`;
  if (!c.html) return json(409, ErrorCode.notRunning, msg);
  return page(
    409,
    `The workspace is ${status}`,
    `<p><b>${esc(c.name)}</b> is ${esc(status)}, so port ${c.port} cannot answer.</p><p><a href="${esc(c.appUrl)}">Open it in the app</a> to start it, then reload this page.</p>`,
  );
}

export function notFound(html: boolean) {
  const msg = 'No such workspace, or you are not a member of its organization.';
  return html ? page(404, 'Not found', `<p>${msg}</p>`) : json(404, ErrorCode.notFound, msg);
}

export function unavailable(c: PageContext, message: string) {
  if (!c.html) return json(502, ErrorCode.vmError, message, {});
  return page(502, 'Preview unavailable', `<p>${esc(message)} Try again shortly.</p>`);
}

export const unauthorized = (previewUrl: string) =>
  json(
    401,
    ErrorCode.unauthorized,
    `This port is private: open ${previewUrl} in a browser to sign in, or send Authorization: Bearer <api key>.`,
  );

export const expiredCode = () =>
  page(400, 'This sign-in link has expired', '<p>Reload the page you were opening to sign in again.</p>');
