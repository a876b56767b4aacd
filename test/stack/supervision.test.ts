import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';
import { freePort, isPortFree } from '../../scripts/local/ports';

// Each part used to run inside the launcher (the VM host, the database proxy) or unwatched (wrangler,
// Postgres): a part that died stayed dead, and a killed launcher left wrangler and workerd on the port.

let t: TestStack;
const lines: string[] = [];
beforeAll(async () => {
  t = await startTestStack({ log: (l) => lines.push(l) });
});
afterAll(async () => {
  await t?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const part = (name: string) => t.stack.parts.find((p) => p.name === name)!;

async function healthy(timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    last = await fetch(`${t.stack.url}/api/health`).then(
      async (r) => ({ status: r.status, json: await r.json() }),
      (e: Error) => e.message,
    );
    if ((last as { status?: number }).status === 200) return;
    await sleep(250);
  }
  throw new Error(`not healthy again within ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

async function waitForLine(pattern: RegExp, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const hit = lines.find((l) => pattern.test(l));
    if (hit) return hit;
    await sleep(100);
  }
  throw new Error(`no line matching ${pattern}; got:\n${lines.slice(-20).join('\n')}`);
}

describe('the supervisor', () => {
  it.each(['vm-host', 'db-proxy', 'postgres', 'workerd', 'worker-relay'])(
    'restarts %s when it is killed, with a line saying what died and why',
    async (name) => {
      const { user } = { user: await t.signUp() };
      const before = part(name);
      const pid = before.pid!;
      expect(pid).toBeGreaterThan(0);
      expect(pid).not.toBe(process.pid); // a process of its own, not inside the launcher
      process.kill(pid, 'SIGKILL');
      const line = await waitForLine(new RegExp(`\\[supervisor\\] ${name} died \\(killed by SIGKILL\\)`));
      expect(line).toContain('Restarting in');
      await waitForLine(new RegExp(`\\[supervisor\\] ${name} is back`), 60_000);
      await healthy();
      expect(part(name).pid).not.toBe(pid);
      // Signed-in requests work again (a session survives every part's restart).
      const keys = await t.call('/api/api-keys', { cookie: user.cookie });
      expect(keys.status).toBe(200);
    },
    90_000,
  );

  it('kills and restarts a part that stops answering (a frozen VM host used to hang the API)', async () => {
    const pid = part('vm-host').pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      await waitForLine(/\[supervisor\] vm-host stopped answering/, 30_000);
      await waitForLine(/\[supervisor\] vm-host is back/, 60_000);
    } finally {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // killed, as it should be
      }
    }
    await healthy();
  }, 90_000);

  it('keeps wrangler dev serving through requests that declare a body and hang up (workers-sdk #15203)', async () => {
    // One such client used to end wrangler dev (restarted seconds later): every other user's requests
    // were refused meanwhile. scripts/patch-wrangler.mjs makes the failed forward that request's alone.
    const port = Number(new URL(t.stack.url).port);
    const workerd = part('workerd');
    const pid = workerd.pid;
    const restarts = workerd.restarts;
    const from = lines.length;
    for (const path of ['/api/auth/sign-in/email', '/api/api-keys', '/webhooks/github', '/api/workspaces']) {
      await new Promise<void>((resolve) => {
        const s = connect({ port, host: '127.0.0.1' }, () => {
          s.write(
            `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
              `Content-Length: 1000\r\n\r\n{"`,
          );
          setTimeout(() => s.destroy(), 100);
        });
        s.on('close', () => resolve());
        s.on('error', () => resolve());
      });
      await sleep(500);
      // Answered at once, not after a restart.
      const res = await fetch(`${t.stack.url}/api/config`);
      expect(res.status).toBe(200);
      await res.body?.cancel();
    }
    expect(workerd.pid).toBe(pid);
    expect(workerd.restarts).toBe(restarts);
    // workerd's own lines only: the test before may still be hearing its VM host come back.
    expect(lines.slice(from).filter((l) => l.includes('[supervisor] workerd'))).toEqual([]);
  }, 60_000);
});

/** Pids of every process whose environment carries `marker` (the launcher's children inherit it). */
function markedProcesses(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

describe('npm start killed with SIGKILL', () => {
  it('leaves no process behind and frees its ports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-launcher-'));
    const marker = `CW_TEST_MARK=${randomUUID()}`;
    const [port, postgresPort] = [await freePort(), await freePort()];
    const launcher = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      env: {
        ...process.env,
        PORT: String(port),
        POSTGRES_PORT: String(postgresPort),
        DATA_DIR: join(dir, 'data'),
        [marker.split('=')[0]!]: marker.split('=')[1],
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    launcher.stdout!.on('data', (b) => (out += b));
    launcher.stderr!.on('data', (b) => (out += b));
    try {
      const deadline = Date.now() + 120_000;
      while (!out.includes('is ready') && Date.now() < deadline) {
        if (launcher.exitCode !== null) throw new Error(`npm start exited:\n${out}`);
        await sleep(200);
      }
      expect(out).toContain('is ready');
      // Launcher, guards, Postgres (and its backends), the proxy, the VM host, wrangler and workerd.
      expect(markedProcesses(marker).length).toBeGreaterThanOrEqual(9);

      launcher.kill('SIGKILL');
      const gone = Date.now() + 15_000;
      while (markedProcesses(marker).length && Date.now() < gone) await sleep(200);
      expect(markedProcesses(marker)).toEqual([]);
      expect(await isPortFree(port)).toBe(true);
      expect(await isPortFree(postgresPort)).toBe(true);
    } finally {
      for (const pid of markedProcesses(marker)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
