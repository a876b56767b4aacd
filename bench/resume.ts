import WebSocket from 'ws';
import { f, median } from './stats';
import type { Terminals } from './terminal';

/** Paused -> first screen, five times: from the pause's answer to the next viewer's first `screen`. */
export async function benchResume(c: Terminals, windowId: string) {
  console.log('paused -> first screen...');
  const resumeMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await c.t.call(`/api/workspaces/${c.workspaceId}/pause`, {
      cookie: c.user.cookie,
      method: 'POST',
    });
    if (r.status !== 200) throw new Error(`pause: ${r.status}`);
    const started = performance.now();
    const ws = new WebSocket(c.pathUrl(windowId), { headers: c.headers, perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (data: Buffer, binary: boolean) => {
        if (!binary && JSON.parse(data.toString()).type === 'screen') resolve();
      });
      ws.once('error', reject);
    });
    resumeMs.push(performance.now() - started);
    ws.terminate();
    await c.settle();
  }
  return { median: median(resumeMs), max: Math.max(...resumeMs), samples: resumeMs };
}

export type ResumeBench = Awaited<ReturnType<typeof benchResume>>;

export function resumeRows(r: ResumeBench): string[][] {
  return [['paused -> first screen (ms)', `median ${f(r.median)}, max ${f(r.max)}`, '', 'target <= 250']];
}
