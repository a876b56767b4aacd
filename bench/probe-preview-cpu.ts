// Probe: where the CPU of one preview request goes (`npx tsx bench/probe-preview-cpu.ts`). Sends
// PROBE_REQUESTS preview GETs one after another, as the bench does, and prints the CPU per request of
// every process on the path (wrangler's dev proxy, the Worker's workerd, the relay, the VM host, the
// VM's server), then the Worker isolate's CPU profile of the same requests by bundled module.
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createVmClient } from '../core/vm';
import { freePort } from '../scripts/local/ports';
import { startTestStack } from '../test/stack/harness';
import { VM_SERVER_PATHS, startVmServer } from '../vm-host/test/vm-server';
import { runAndExit } from './groups';
import { IsolateInspector, moduleIndex } from './inspector';
import { previewCookie } from './previews';

const REQUESTS = Number(process.env.PROBE_REQUESTS ?? 1000);

function get(url: string, agent: Agent, headers: Record<string, string>) {
  return new Promise<number>((resolve) => {
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** CPU ticks (1/100 s) of every process under this one, by what it is on the preview path. */
function cpu(devPort: number): Record<string, number> {
  const procs = new Map<number, { ppid: number; ticks: number; cmd: string }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), cmd });
    } catch {
      // gone
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = pid; p > 1; p = procs.get(p)?.ppid ?? 0) if (p === process.pid) return true;
    return false;
  };
  const roleOf = (pid: number, cmd: string) => {
    if (pid === process.pid) return 'client (this process)';
    if (cmd.includes(`--socket-addr=entry=127.0.0.1:${devPort} `)) return "workerd: wrangler's dev proxy";
    if (cmd.includes('workerd')) return 'workerd: the Worker';
    if (cmd.includes('worker-relay')) return 'worker-relay';
    if (cmd.includes('vm-host/src/main')) return 'vm-host';
    if (cmd.includes('wrangler')) return 'wrangler (node)';
    for (let p = procs.get(pid)?.ppid ?? 0; p > 1; p = procs.get(p)?.ppid ?? 0)
      if (procs.get(p)?.cmd.includes('vm-host/src/main')) return "the VM's server";
    return 'other';
  };
  const out: Record<string, number> = {};
  for (const [pid, p] of procs)
    if (mine(pid)) out[roleOf(pid, p.cmd)] = (out[roleOf(pid, p.cmd)] ?? 0) + p.ticks;
  return out;
}

async function main() {
  const inspectorPort = await freePort();
  const t = await startTestStack({ readonlyPaths: VM_SERVER_PATHS, inspectorPort });
  try {
    const { user, workspace } = await t.runningWorkspace();
    const vms = createVmClient({ baseUrl: t.stack.vmHostUrl, apiKey: t.stack.vmHostApiKey });
    const pty = await startVmServer(vms, workspace.freestyleVmId, 3000);
    const devPort = Number(new URL(t.stack.url).port);
    const host = `3000-${workspace.id}.localhost:${devPort}`;
    const headers = { host, cookie: await previewCookie(t.stack.url, host, user.cookie) };
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const run = async () => {
      let ok = 0;
      for (let i = 0; i < REQUESTS; i++) if ((await get(`${t.stack.url}/`, agent, headers)) === 200) ok++;
      return ok;
    };
    for (let i = 0; i < 200; i++) await get(`${t.stack.url}/`, agent, headers); // warm
    const before = cpu(devPort);
    const started = performance.now();
    const ok = await run();
    const wall = (performance.now() - started) / ok;
    const after = cpu(devPort);
    console.log(`${ok} preview GETs, ${wall.toFixed(2)} ms each (wall); CPU per request, ms:`);
    for (const [k, v] of Object.entries(after).sort(
      (a, b) => b[1] - (before[b[0]] ?? 0) - a[1] + (before[a[0]] ?? 0),
    ))
      console.log(`  ${(((v - (before[k] ?? 0)) * 10) / ok).toFixed(3).padStart(7)}  ${k}`);

    const insp = await IsolateInspector.connect(inspectorPort);
    const scripts = new Set<string>();
    (insp as unknown as { ws: import('ws').WebSocket }).ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString());
      if (m.method === 'Debugger.scriptParsed') scripts.add(m.params.scriptId);
    });
    await insp.call('Debugger.enable');
    await insp.call('Profiler.enable');
    await insp.call('Profiler.setSamplingInterval', { interval: 100 });
    await insp.call('Profiler.start');
    const profiled = await run();
    const { profile } = await insp.call('Profiler.stop');
    const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
    const index = new Map<string, (line: number) => string>();
    for (const id of scripts) {
      const r = await insp.call('Debugger.getScriptSource', { scriptId: id });
      if (r.scriptSource) index.set(id, moduleIndex(r.scriptSource));
    }
    const mods = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id: number, i: number) => {
      const f = byId.get(id).callFrame;
      if (f.functionName === '(idle)' || f.functionName === '(program)') return;
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      total += ms;
      const mod = index.get(f.scriptId)?.(f.lineNumber) ?? (f.functionName || '(anon)');
      mods.set(mod, (mods.get(mod) ?? 0) + ms);
    });
    const us = (ms: number) => `${((ms / profiled) * 1000).toFixed(0).padStart(5)} us/req`;
    console.log(`Worker isolate JS over ${profiled} requests (not idle/program): ${us(total)}; by module:`);
    for (const [k, v] of [...mods].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${us(v)}  ${k}`);
    insp.close();
    agent.destroy();
    pty.close();
  } finally {
    await t.stop();
  }
}

runAndExit(main);
