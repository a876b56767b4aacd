import type { VmClient } from '../../core/vm';

// A setup runs in a PTY session of its own: the socket that opens it is closed at once and the session
// runs on, so its owner polls the session list on its alarm for the exit (it may take 30 minutes).

/** The first seconds are polled often: a short command should not wait for a slow tick. */
export const pollDelay = (elapsedMs: number) => (elapsedMs < 10_000 ? 200 : 1_000);

/** Opens the session that runs `exec` and returns its id. */
export async function startSession(vm: VmClient, vmId: string, slug: string, exec: string): Promise<number> {
  const req = vm.ptyRequest(vmId, { slug, exec, cols: 120, rows: 32 });
  const resp = await fetch(req.url, { headers: { ...req.headers, Upgrade: 'websocket' } });
  const ws = resp.webSocket;
  if (!ws) throw new Error(`The VM refused the setup terminal (${resp.status}).`);
  ws.accept();
  try {
    return await new Promise<number>((ok, fail) => {
      const t = setTimeout(() => fail(new Error('The setup terminal did not start.')), 15_000);
      ws.addEventListener('message', (e) => {
        if (typeof e.data !== 'string') return;
        const msg = JSON.parse(e.data) as { type?: string; sessionId?: number };
        if (msg.type === 'sessionInfo' && typeof msg.sessionId === 'number') {
          clearTimeout(t);
          ok(msg.sessionId);
        }
      });
      ws.addEventListener('close', () => fail(new Error('The setup terminal closed at once.')));
    });
  } finally {
    try {
      ws.close(1000, 'started');
    } catch {
      // closed already
    }
  }
}

/** A session's state: still running, exited with a code, or gone (its VM host restarted). */
export async function sessionOutcome(
  vm: VmClient,
  vmId: string,
  sessionId: number,
): Promise<{ state: 'running' } | { state: 'exited'; exitCode: number } | { state: 'gone' }> {
  const session = (await vm.listPtySessions(vmId)).sessions.find((x) => x.sessionId === sessionId);
  if (!session) return { state: 'gone' };
  if (session.state === 'exited') return { state: 'exited', exitCode: session.exitCode ?? 0 };
  return { state: 'running' };
}
