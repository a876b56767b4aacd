import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { createVmClient } from '../core/vm';
import { signForward } from '../core/forward-token';
import { startTestStack } from '../test/stack/harness';
import { VM_SERVER_PATHS, startVmServer } from '../vm-host/test/vm-server';
import { startFloorWorker } from './floor';
import { previewCookie } from './previews';
import { directRuntimeUrl } from './runtime-port';
import { median } from './stats';
import { keepAliveAgent, timed, type Target } from './timed-request';

// Where a preview request's time goes (`npx tsx bench/probe-previews.ts`): every hop of the path
// measured alone, round-robin (one sample of each in turn, so the machine's load hits all alike).

const ROUNDS = Number(process.env.PROBE_ROUNDS ?? 200);
const REPEATS = Number(process.env.PROBE_REPEATS ?? 2);

const t = await startTestStack({ readonlyPaths: VM_SERVER_PATHS });
const node = createServer((_req, res) => res.end('hello')).listen(0, '127.0.0.1');
try {
  const { user, workspace } = await t.runningWorkspace();
  const vms = createVmClient({ baseUrl: t.stack.vmHostUrl, apiKey: t.stack.vmHostApiKey });
  const pty = await startVmServer(vms, workspace.freestyleVmId, 3000);
  const baseDomain = `bench-3000-${workspace.id}.localhost`;
  await vms.exposePort(workspace.freestyleVmId, 3000, baseDomain);
  const port = new URL(t.stack.url).port;
  const host = `3000-${workspace.id}.localhost:${port}`;
  const ruleDomain = `3000-${workspace.id}.localhost`;
  const secret = (JSON.parse(readFileSync(join(t.dataDir, 'secrets.json'), 'utf8')) as { authSecret: string })
    .authSecret;

  const cookie = await previewCookie(t.stack.url, host, user.cookie);
  const runtime = (await directRuntimeUrl(t.stack.url)) ?? t.stack.url;
  const fwd = () => `__cw_fwd=${tokenNow}`;
  let tokenNow = await signForward(secret, workspace.id, 3000);
  const floor = process.env.PROBE_FLOOR === '0' ? null : await startFloorWorker();
  const targets: Target[] = [
    {
      name: 'node loopback server',
      url: `http://127.0.0.1:${(node.address() as { port: number }).port}/`,
      headers: {},
      agent: keepAliveAgent(),
      expect: 200,
    },
    {
      name: 'forwarder, no auth (baseline)',
      url: `${t.stack.vmHostForwardUrl}/`,
      headers: { host: baseDomain },
      agent: keepAliveAgent(),
      expect: 200,
    },
    {
      name: 'worker trivial 401 via proxy',
      url: `${t.stack.url}/api/preview/forward-auth`,
      headers: {},
      agent: keepAliveAgent(),
      expect: 401,
    },
    {
      name: 'worker trivial 401 via runtime',
      url: `${runtime}/api/preview/forward-auth`,
      headers: {},
      agent: keepAliveAgent(),
      expect: 401,
    },
    {
      name: 'forward-auth 200 via proxy',
      url: `${t.stack.url}/api/preview/forward-auth`,
      headers: { 'x-forwarded-host': ruleDomain },
      agent: keepAliveAgent(),
      expect: 200,
    },
    {
      name: 'forwarder + forward auth',
      url: `${t.stack.vmHostForwardUrl}/`,
      headers: { 'x-forwarded-host': ruleDomain },
      agent: keepAliveAgent(),
      expect: 200,
    },
    {
      name: 'preview via proxy',
      url: `${t.stack.url}/`,
      headers: { host, cookie },
      agent: keepAliveAgent(),
      expect: 200,
    },
    {
      name: 'preview POST via proxy (room RPC)',
      url: `${t.stack.url}/`,
      headers: { host, cookie },
      agent: keepAliveAgent(),
      expect: 200,
      method: 'POST',
    },
    {
      name: 'forward-auth valid token, wrong host 401',
      url: `${t.stack.url}/api/preview/forward-auth`,
      headers: { 'x-forwarded-host': 'x.localhost' },
      agent: keepAliveAgent(),
      expect: 401,
    },
    {
      name: 'worker 401 + junk cookie + xfh',
      url: `${t.stack.url}/api/preview/forward-auth`,
      headers: { cookie: '__cw_fwd=junk', 'x-forwarded-host': 'x.localhost' },
      agent: keepAliveAgent(),
      expect: 401,
    },
    ...(floor
      ? [
          {
            name: 'floor Worker via proxy',
            url: `${floor.url}/`,
            headers: {},
            agent: keepAliveAgent(),
            expect: 200,
          },
        ]
      : []),
    {
      name: 'preview via runtime',
      url: `${runtime}/`,
      headers: { host, cookie },
      agent: keepAliveAgent(),
      expect: 200,
    },
  ];
  for (const tg of targets) if (/forward.auth/.test(tg.name)) tg.headers.cookie = fwd();
  await timed(targets.find((x) => x.name === 'preview via proxy')!); // makes the TLS rule
  for (let r = 0; r < REPEATS; r++) {
    const samples = new Map<string, number[]>(targets.map((x) => [x.name, []]));
    for (let i = 0; i < ROUNDS + 5; i++) {
      if (i % 50 === 0) {
        tokenNow = await signForward(secret, workspace.id, 3000);
        for (const tg of targets) if (tg.headers.cookie?.startsWith('__cw_fwd')) tg.headers.cookie = fwd();
      }
      for (const tg of targets) {
        const { ms } = await timed(tg);
        if (i >= 5) samples.get(tg.name)!.push(ms);
      }
    }
    console.log(`--- repeat ${r + 1}, ${ROUNDS} rounds, p50 ms`);
    for (const [name, xs] of samples) console.log(`${name.padEnd(34)} ${median(xs).toFixed(2)}`);
  }
  pty.close();
  floor?.stop();
} finally {
  node.close();
  await t.stop();
}
