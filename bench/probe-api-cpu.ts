// Probe: where the CPU of one API request goes. Runs PROBE_CONNECTIONS clients against a route for
// PROBE_SECONDS and prints the CPU per request of every process of the stack (wrangler's dev proxy, a
// workerd of its own, apart from the Worker's), then (PROFILE=1) the Worker isolate's CPU profile of
// the same load: self time per function and per bundled module (PROFILE_SOURCE=1 also writes the
// bundle to /tmp, to read the profile's lines). PROBE_ROUTE=list|trivial|detail (default: list, then trivial).
// PROBE_PIN=1 gives the Worker's workerd a core of its own (bench/pin.ts).
import { Agent, request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { startTestStack } from '../test/stack/harness';
import { freePort } from '../scripts/local/ports';
import { IsolateInspector, moduleIndex } from './inspector';
import { cpuByRole, cpuDiff } from './rss';
import { pinWorker } from './pin';
import { runAndExit } from './groups';

const CONNECTIONS = Number(process.env.PROBE_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.PROBE_SECONDS ?? 5);
const WORKSPACES = Number(process.env.PROBE_WORKSPACES ?? 9);

function get(base: URL, agent: Agent, headers: Record<string, string>, path: string) {
  return new Promise<number>((resolve) => {
    const req = request({ host: base.hostname, port: base.port, path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function load(base: URL, agent: Agent, headers: Record<string, string>, path: string) {
  let ok = 0;
  let bad = 0;
  const before = cpuByRole({ splitWorkerd: true });
  const started = performance.now();
  const until = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        if ((await get(base, agent, headers, path)) === 200) ok++;
        else bad++;
      }
    }),
  );
  const cpu = cpuDiff(before, cpuByRole({ splitWorkerd: true }));
  const per = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, (v * 1000) / Math.max(1, ok)]));
  const total = Object.values(per).reduce((a, b) => a + b, 0);
  const secs = (performance.now() - started) / 1000;
  console.log(
    `${path.split('?')[0]}: ${(ok / secs).toFixed(0)} req/s (${bad} errors), CPU per request ${total.toFixed(2)} ms: ` +
      Object.entries(per)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v.toFixed(2)}`)
        .join(', '),
  );
  return ok;
}

async function summarize(
  insp: IsolateInspector,
  scripts: Map<string, string>,
  profile: any,
  requests: number,
) {
  const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
  const dt: number[] = profile.timeDeltas;
  const index = new Map<string, (line: number) => string>();
  const lines = new Map<string, string[]>();
  for (const id of new Set<string>(profile.nodes.map((n: any) => String(n.callFrame.scriptId)))) {
    if (!id || id === '0' || !scripts.has(id)) continue;
    const r = await insp.call('Debugger.getScriptSource', { scriptId: id });
    if (!r.scriptSource) continue;
    if (process.env.PROFILE_SOURCE) writeFileSync(`/tmp/probe-api-cpu-script-${id}.js`, r.scriptSource);
    index.set(id, moduleIndex(r.scriptSource));
    lines.set(id, r.scriptSource.split('\n'));
  }
  const where = new Map<string, string>();
  const self = new Map<string, number>();
  const mods = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id: number, i: number) => {
    const f = byId.get(id).callFrame;
    const ms = (dt[i] ?? 0) / 1000;
    if (f.functionName === '(idle)' || f.functionName === '(program)') return;
    total += ms;
    const mod = index.get(f.scriptId)?.(f.lineNumber) ?? (f.url ? f.url.split('/').pop() : f.functionName);
    const key = `${f.functionName || '(anon)'} [${mod}:${f.lineNumber}]`;
    self.set(key, (self.get(key) ?? 0) + ms);
    if (!where.has(key)) {
      const text = lines.get(f.scriptId)?.[f.lineNumber] ?? '';
      where.set(key, text.slice(Math.max(0, f.columnNumber - 20), f.columnNumber + 80).trim());
    }
    mods.set(mod, (mods.get(mod) ?? 0) + ms);
  });
  const per = (ms: number) => `${((ms / Math.max(1, requests)) * 1000).toFixed(0).padStart(5)} us/req`;
  console.log(`isolate JS (not idle/program): ${per(total)}`);
  console.log('by module:');
  for (const [k, v] of [...mods].sort((a, b) => b[1] - a[1]).slice(0, 20))
    console.log(`  ${per(v)} ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
  console.log('by function (self):');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`  ${per(v)} ${((v / total) * 100).toFixed(1).padStart(5)}%  ${k}  ${where.get(k) ?? ''}`);
}

async function main() {
  const inspectorPort = await freePort();
  const t = await startTestStack({
    extraVars: { DB_TRANSPORT: 'http', LIMIT_WORKSPACES: '200', LIMIT_RUNNING: '200' },
    inspectorPort,
  });
  try {
    const { user, org, repositoryId, workspace } = await t.runningWorkspace();
    // As many workspaces as the bench's list shows (its creates), each running.
    const created = [];
    for (let i = 1; i < WORKSPACES; i++) {
      const r = await t.call('/api/workspaces', {
        cookie: user.cookie,
        body: { organizationId: org, repositoryId, branch: 'main' },
      });
      created.push(r.json.workspace.id as string);
    }
    await Promise.all(created.map((id) => t.waitForStatus(user, id, ['running'])));
    console.log(`${WORKSPACES} workspaces running`);
    // PROBE_PIN=1: the Worker's workerd on a core of its own, as in the bench's second load.
    if (process.env.PROBE_PIN) pinWorker();
    const base = new URL(t.stack.url);
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const headers = { cookie: user.cookie, origin: t.stack.url };
    const routes: Record<string, string> = {
      list: `/api/workspaces?organizationId=${org}`,
      trivial: '/api/config',
      detail: `/api/workspaces/${workspace.id}`,
    };
    const names = process.env.PROBE_ROUTE ? [process.env.PROBE_ROUTE] : ['list', 'trivial'];
    for (const name of names) {
      const path = routes[name]!;
      for (let i = 0; i < 200; i++) await get(base, agent, headers, path); // warm
      if (!process.env.PROFILE) {
        await load(base, agent, headers, path);
        continue;
      }
      const insp = await IsolateInspector.connect(inspectorPort);
      const scripts = new Map<string, string>();
      (insp as any).ws.on('message', (d: Buffer) => {
        const m = JSON.parse(d.toString());
        if (m.method === 'Debugger.scriptParsed') scripts.set(m.params.scriptId, m.params.url);
      });
      await insp.call('Debugger.enable');
      await insp.call('Profiler.enable');
      await insp.call('Profiler.setSamplingInterval', {
        interval: Number(process.env.PROFILE_INTERVAL_US ?? 250),
      });
      await insp.call('Profiler.start');
      const requests = await load(base, agent, headers, path);
      const { profile } = await insp.call('Profiler.stop');
      writeFileSync(`/tmp/probe-api-cpu-${name}.cpuprofile`, JSON.stringify(profile));
      await summarize(insp, scripts, profile, requests);
      await insp.call('Debugger.disable');
      insp.close();
    }
    agent.destroy();
  } finally {
    await t.stop();
  }
}

runAndExit(main);
