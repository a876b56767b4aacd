import WebSocket from 'ws';
import type { TestStack } from '../test/stack/harness';
import { vmPids } from '../vm-host/test/helpers';

// A VM's processes are killed while a viewer is connected: how long until the product says
// `vm_crashed` (the figure: within 10 s), beside how long the VM host itself takes to know
// (the baseline: its VM is marked stopped). Both are polled every 50 ms from the kill.

async function until(fn: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await fn()) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 50));
  }
  return NaN;
}

export async function measureCrashDetection(t: TestStack, rounds = 3) {
  const product: number[] = [];
  const vmHost: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const { user, workspace } = await t.runningWorkspace();
    const win = await t.call(`/api/workspaces/${workspace.id}/terminals`, { cookie: user.cookie, body: {} });
    const url = `${t.stack.url.replace(/^http/, 'ws')}/api/workspaces/${workspace.id}/terminals/${win.json.windowId}?cols=80&rows=24`;
    const ws = new WebSocket(url, { headers: { cookie: user.cookie, origin: t.stack.url } });
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (d: Buffer, binary: boolean) => {
        if (!binary && JSON.parse(d.toString()).type === 'screen') resolve();
      });
      ws.once('error', reject);
    });
    for (const pid of vmPids(workspace.freestyleVmId)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    const auth = { Authorization: `Bearer ${t.stack.vmHostApiKey}` };
    const [p, v] = await Promise.all([
      until(async () => {
        const r = await t.call(`/api/workspaces/${workspace.id}`, { cookie: user.cookie });
        return r.json?.workspace?.statusCode === 'vm_crashed';
      }, 30_000),
      until(async () => {
        const r = await fetch(`${t.stack.vmHostUrl}/v5/vms/${workspace.freestyleVmId}`, { headers: auth });
        return ((await r.json()) as { state: string }).state === 'stopped';
      }, 30_000),
    ]);
    product.push(p);
    vmHost.push(v);
    ws.terminate();
    await t.call(`/api/workspaces/${workspace.id}`, { cookie: user.cookie, method: 'DELETE' });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { productMs: median(product), vmHostMs: median(vmHost), rounds: { product, vmHost } };
}

export type CrashBench = Awaited<ReturnType<typeof measureCrashDetection>>;

export function crashRows(c: CrashBench, f: (n: number) => string): string[][] {
  return [
    [
      "VM's processes killed -> vm_crashed, a viewer connected (ms)",
      f(c.productMs),
      `VM host knows ${f(c.vmHostMs)}`,
      `${f(c.productMs / c.vmHostMs)}x, +${f(c.productMs - c.vmHostMs)} ms (target <= 10000); median of ${c.rounds.product.length}`,
    ],
  ];
}
