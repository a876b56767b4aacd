import { spawn } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { CliError, Exit } from './errors';
import { note } from './output';

// `cw login` in the browser (as `gh auth login` and `coder login`): a one-time server on 127.0.0.1
// waits for the web app's page (/cli-login) to post a new key with the state cw chose. Anything else
// posted to it (another state, a GET, a stray page) is refused and cw keeps waiting.

const WAIT_MS = 5 * 60_000;
const MAX_BODY = 4096;

const page = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font:16px system-ui;margin:3em"><h1>${title}</h1><p>${text}</p>`;

/** Opens `url` in the person's browser: `$BROWSER`, else the platform's opener; never fatal. */
function openBrowser(url: string) {
  const [cmd, args] = process.env.BROWSER
    ? [process.env.BROWSER, [url]]
    : process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // the URL is printed anyway
  }
}

const sameSecret = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Answers the key the browser hands back. */
export async function browserLogin(url: string): Promise<string> {
  const state = randomBytes(24).toString('base64url');
  let settle!: { ok: (key: string) => void; fail: (e: Error) => void };
  const result = new Promise<string>((ok, fail) => (settle = { ok, fail }));

  const server = createServer((req, res) => {
    const answer = (status: number, title: string, text: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page(title, text));
    };
    if (req.method !== 'POST' || req.url !== '/callback') return answer(404, 'Not here', 'Nothing to see.');
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
      if (body.length > MAX_BODY) req.destroy();
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      if (!sameSecret(form.get('state') ?? '', state))
        return answer(400, 'Not this sign-in', 'This page is from another `cw login`. Run it again.');
      const error = form.get('error');
      if (error) {
        answer(200, 'Cancelled', 'cw was not signed in. You can close this tab.');
        return settle.fail(new CliError('Sign-in was cancelled in the browser.', Exit.failure));
      }
      const key = form.get('key') ?? '';
      if (!key) return answer(400, 'No key', 'The page sent no key. Run `cw login` again.');
      answer(200, 'cw is signed in', 'You can close this tab and go back to your terminal.');
      settle.ok(key);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host =
    hostname()
      .replace(/[^\w.-]/g, '')
      .slice(0, 40) || 'this machine';
  const link = `${url}/cli-login?port=${port}&state=${state}&host=${encodeURIComponent(host)}`;
  note(`Opening ${link}\nSign in there and choose "Authorize cw" (waiting up to 5 min; Ctrl-C to stop).`);
  openBrowser(link);
  const timer = setTimeout(
    () => settle.fail(new CliError('No answer from the browser in 5 min. Run `cw login` again.')),
    WAIT_MS,
  );
  try {
    return await result;
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}
