import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { createVmClient } from '../core/vm';
import { startTestStack } from '../test/stack/harness';
import { VM_SERVER_PATHS, startVmServer } from '../vm-host/test/vm-server';
import { startFloorWorker } from './floor';
import { previewCookie } from './previews';
import { FORWARD_COOKIE, PREVIEW_COOKIE } from '../core/ports';
import { findUserWorker, startWorkerRelay } from '../scripts/local/worker-direct';
import { freePort } from '../scripts/local/ports';
import { median } from './stats';
import { keepAliveAgent, timed, type Target } from './timed-request';

// Why one Worker pass costs more inside the preview bench than alone (`npx tsx bench/probe-floor.ts`):
// the same floor Workers (with and without [assets], through wrangler's dev proxy and on their own
// workerd) and a Node server, round-robin, first with no stack, then beside an idle stack, then with
// preview requests interleaved as the bench does.

const ROUNDS = Number(process.env.PROBE_ROUNDS ?? 300);

type Samples = Map<string, number[]>;

async function rounds(into: Samples, targets: Target[], n: number, warm = 5) {
  for (let i = 0; i < n + warm; i++)
    for (const tg of targets) {
      const { ms } = await timed(tg);
      if (i < warm) continue;
      if (!into.has(tg.name)) into.set(tg.name, []);
      into.get(tg.name)!.push(ms);
    }
}

function print(label: string, s: Samples) {
  console.log(`--- ${label}, p50 ms`);
  for (const [name, xs] of s) console.log(`${name.padEnd(34)} ${median(xs).toFixed(2)}  (${xs.length})`);
}

const withAssets = await startFloorWorker();
const bare = await startFloorWorker({ assets: false });
const relayPort = await freePort();
const relay = await startWorkerRelay({
  port: relayPort,
  find: () =>
    findUserWorker(
      Number(new URL(withAssets.url).port),
      async (u) => (await (await fetch(u)).text()) === 'hello',
    ),
});
const node = createServer((_q, r) => r.end('hello')).listen(0, '127.0.0.1');
await once(node, 'listening');
const nodePort = (node.address() as AddressInfo).port;
const floors: Target[] = [
  { name: 'floor (assets) via dev proxy', url: `${withAssets.url}/`, headers: {}, agent: keepAliveAgent() },
  { name: 'floor (assets) direct', url: `${withAssets.direct}/`, headers: {}, agent: keepAliveAgent() },
  {
    name: 'floor (assets) via relay',
    url: `http://127.0.0.1:${relayPort}/`,
    headers: {},
    agent: keepAliveAgent(),
  },
  {
    name: 'floor (assets) direct, fetch to node',
    url: `${withAssets.direct}/?to=${encodeURIComponent(`http://127.0.0.1:${nodePort}/`)}`,
    headers: {},
    agent: keepAliveAgent(),
  },
  { name: 'floor (bare) via dev proxy', url: `${bare.url}/`, headers: {}, agent: keepAliveAgent() },
  { name: 'floor (bare) direct', url: `${bare.direct}/`, headers: {}, agent: keepAliveAgent() },
  {
    name: 'node',
    url: `http://127.0.0.1:${(node.address() as AddressInfo).port}/`,
    headers: {},
    agent: keepAliveAgent(),
  },
];
try {
  if (process.env.PROBE_OVER_TIME) {
    // Right after start and later: does a freshly started wrangler dev cost more for a while?
    for (let b = 0; b < Number(process.env.PROBE_OVER_TIME); b++) {
      const s: Samples = new Map();
      const t0 = Date.now();
      await rounds(s, floors, 60, 2);
      print(`block ${b} (${((Date.now() - t0) / 1000).toFixed(1)} s)`, s);
    }
  } else await withStack();
} finally {
  withAssets.stop();
  bare.stop();
  node.close();
  relay.close();
}

async function withStack() {
  const noStack: Samples = new Map();
  await rounds(noStack, floors, ROUNDS);
  print('no stack', noStack);
  const t = await startTestStack({ readonlyPaths: VM_SERVER_PATHS });
  try {
    const { user, workspace } = await t.runningWorkspace();
    const vms = createVmClient({ baseUrl: t.stack.vmHostUrl, apiKey: t.stack.vmHostApiKey });
    const pty = await startVmServer(vms, workspace.freestyleVmId, 3000);
    const baseDomain = `bench-3000-${workspace.id}.localhost`;
    await vms.exposePort(workspace.freestyleVmId, 3000, baseDomain);
    const host = `3000-${workspace.id}.localhost:${new URL(t.stack.url).port}`;
    const cookie = await previewCookie(t.stack.url, host, user.cookie);
    const path: Target = {
      name: 'preview path',
      url: `${t.stack.url}/`,
      headers: { host, cookie },
      agent: keepAliveAgent(),
    };
    const base: Target = {
      name: 'preview baseline',
      url: `${t.stack.vmHostForwardUrl}/`,
      headers: { host: baseDomain },
      agent: keepAliveAgent(),
    };
    await timed(path);
    // Alternating blocks, so the machine's load (other sessions) drifts over both conditions alike.
    const alone: Samples = new Map();
    const mixed: Samples = new Map();
    for (let b = 0; b < 6; b++) {
      await rounds(alone, floors, ROUNDS / 6);
      await rounds(mixed, [path, base, ...floors], ROUNDS / 6);
    }
    // The idle stack's own activity: its processes stopped (SIGSTOP, a second at a time) or running.
    const frozen: Samples = new Map();
    const running: Samples = new Map();
    const signal = (sig: NodeJS.Signals) => {
      for (const part of t.stack.parts) if (part.pid) process.kill(-part.pid, sig);
    };
    for (let b = 0; b < 6; b++) {
      signal('SIGSTOP');
      try {
        await rounds(frozen, floors, ROUNDS / 6);
      } finally {
        signal('SIGCONT');
      }
      await rounds(running, floors, ROUNDS / 6);
    }
    // Forward auth through wrangler's dev proxy (before) or the stack's relay (now): the port's TLS
    // rule re-pointed between blocks, the path otherwise the same.
    const ruleDomain = `3000-${workspace.id}.localhost`;
    const now = (await vms.listTlsRules()).rules.find((r) => r.domain === ruleDomain)!;
    const viaDev = await vms.createForwardAuth({
      url: `${t.stack.url}/api/preview/forward-auth`,
      timeoutMs: 2000,
      protectedCookies: [FORWARD_COOKIE, PREVIEW_COOKIE],
    });
    let ruleId = now.id;
    const point = async (authId: string) => {
      await vms.deleteTlsRule(ruleId);
      ruleId = (await vms.exposePort(workspace.freestyleVmId, 3000, ruleDomain, authId)).id;
    };
    const authDev: Samples = new Map();
    const authRelay: Samples = new Map();
    for (let b = 0; b < 6; b++) {
      await point(viaDev.id);
      await rounds(authDev, [path, base], ROUNDS / 6);
      await point(now.forwardAuth!.id);
      await rounds(authRelay, [path, base], ROUNDS / 6);
    }
    print('forward auth through the dev proxy (before)', authDev);
    print('forward auth through the relay (now)', authRelay);
    print('stack stopped (SIGSTOP)', frozen);
    print('stack running, idle', running);
    print('stack up, floors alone', alone);
    print('stack up, preview requests interleaved', mixed);
    pty.close();
  } finally {
    await t.stop();
  }
}
