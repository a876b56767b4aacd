// Run after `npm ci` (postinstall). wrangler dev's ProxyWorker reports a forward to our Worker that
// rejects as a fatal error, and wrangler exits: one client that hangs up while sending a body takes the
// whole local product down for every other user (workers-sdk #15203, #15447; the fixes, #15252 and
// #15448, are not in the wrangler the Workers test pool pins). Patched here the way they do it: a
// bodyless request (GET, HEAD, a WebSocket upgrade) whose forward fails is sent once more (a kept-alive
// connection the Worker's server closed as the request went out: seen in CI on the organization's
// events socket), and a forward that still fails answers that one request 502 while wrangler dev keeps
// serving. Errors after the forward (the ProxyWorker's own response handling) stay fatal. The pristine
// file is kept beside it, so a changed patch applies cleanly; a wrangler whose text differs fails the
// install loudly, so an upgrade is checked by hand, not silently left unpatched.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MARK = '/* cloud-workspaces: forward failures are per request (2) */';
const path = fileURLToPath(new URL('../node_modules/wrangler/wrangler-dist/ProxyWorker.js', import.meta.url));

const FORWARD = 'void fetch(userWorkerUrl, new Request(request, { headers })).then(async (res) => {';
const FORWARD_PATCHED =
  `${MARK} const forward = () => fetch(userWorkerUrl, new Request(request, { headers }));\n` +
  `      const bodyless = request.method === "GET" || request.method === "HEAD";\n` +
  `      void forward().catch((cause) => bodyless ? forward() : Promise.reject(cause)).catch((cause) => {\n` +
  `        throw { cwForwardFailed: true, cause };\n` +
  `      }).then(async (res) => {`;
const CATCH = '}).catch((error) => {\n        if (isSameUserWorkerOrigin(';
const CATCH_PATCHED =
  '}).catch((error) => {\n' +
  '        if (error?.cwForwardFailed) {\n' +
  '          const cause = error.cause;\n' +
  '          if (isSameUserWorkerOrigin(userWorkerUrl, this.proxyData?.userWorkerUrl)) {\n' +
  '            console.warn(`[wrangler dev] ${request.method} ${request.url}: ${cause?.message ?? cause}`);\n' +
  '            deferredResponse.resolve(new Response("The request to the Worker failed: " + (cause?.message ?? cause), { status: 502 }));\n' +
  '            return;\n' +
  '          }\n' +
  '          error = cause;\n' +
  '        }\n' +
  '        if (isSameUserWorkerOrigin(';

export function patchProxyWorker(text) {
  if (text.includes(MARK)) return text;
  const count = (needle) => text.split(needle).length - 1;
  if (count(FORWARD) !== 1 || count(CATCH) !== 1)
    throw new Error(
      `wrangler's ProxyWorker is not the one scripts/patch-wrangler.mjs knows (${path}): check whether ` +
        'this wrangler still exits when a client hangs up mid-body, and update or remove the patch',
    );
  return text.replace(FORWARD, FORWARD_PATCHED).replace(CATCH, CATCH_PATCHED);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const current = readFileSync(path, 'utf8');
  if (current.includes(MARK)) process.exit(0);
  const pristine = `${path}.orig`;
  if (!existsSync(pristine)) {
    if (current.includes('cloud-workspaces:'))
      throw new Error(`${path} holds an older patch and no pristine copy: run npm ci again`);
    writeFileSync(pristine, current);
  }
  writeFileSync(path, patchProxyWorker(readFileSync(pristine, 'utf8')));
  console.log('patched wrangler dev: a failed forward answers 502 instead of ending wrangler dev');
}
