import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { PtyServerMsg } from '../../core/vm/types';
import { startVmHost, type VmHost, type VmHostOptions } from '../src/server';

export const API_KEY = 'test-key-' + Math.random().toString(36).slice(2);

export interface TestHost extends VmHost {
  dataDir: string;
  cleanup(): Promise<void>;
}

export async function startTestHost(extra: Partial<VmHostOptions> = {}): Promise<TestHost> {
  const dataDir = extra.dataDir ?? mkdtempSync(join(tmpdir(), 'vm-host-test-'));
  const host = await startVmHost({ port: 0, dataDir, apiKey: API_KEY, log: () => undefined, ...extra });
  return {
    ...host,
    dataDir,
    async cleanup() {
      await host.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Each live process's pid with the text of its `/proc/<pid>/<file>` (a process gone meanwhile is left out). */
function procEach(file: string): [number, string][] {
  const out: [number, string][] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push([Number(name), readFileSync(`/proc/${name}/${file}`, 'utf8')]);
    } catch {
      // gone
    }
  }
  return out;
}

/** Every process in the VM's cgroups, as seen from the host (what a test or bench kills to crash it). */
export function vmPids(vmId: string): number[] {
  return procEach('cgroup')
    .filter(([, cgroup]) => cgroup.includes(`/vm-host/${vmId}\n`))
    .map(([pid]) => pid);
}

/** SIGKILLs every process in the VM's cgroups, as a crash would; answers how many there were. */
export function killVmProcesses(vmId: string): number {
  const pids = vmPids(vmId);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already: the sandbox dies with its parent
    }
  }
  return pids.length;
}

/** The processes on this machine whose command line holds `value`: a secret should be in none. */
export function argvHolding(value: string): number[] {
  return procEach('cmdline')
    .filter(([, cmdline]) => cmdline.includes(value))
    .map(([pid]) => pid);
}

/** `vm-host/src/main.ts` in a child process (as `npm start` runs it), its output collected. */
export function runMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'vm-host/src/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, output: () => out };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A raw PTY WebSocket client (the `ws` package, as the Freestyle SDK uses in Node). */
export class PtyClient {
  text = '';
  bytes = 0;
  readonly messages: PtyServerMsg[] = [];
  closeCode: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const buf = data as Buffer;
      if (isBinary) {
        this.bytes += buf.length;
        this.text = (this.text + buf.toString('utf8')).slice(-256 * 1024);
      } else this.messages.push(JSON.parse(buf.toString('utf8')) as PtyServerMsg);
    });
    ws.on('close', (code) => (this.closeCode = code));
    ws.on('error', () => undefined);
  }

  /** Resolves once `sessionInfo` arrived; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, headers: Record<string, string>): Promise<PtyClient> {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers });
    const client = new PtyClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) =>
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })),
      );
      ws.once('error', reject);
      until(() => client.info, 'sessionInfo').then(() => resolve(client), reject);
    });
  }

  get info() {
    return this.messages.find((m) => m.type === 'sessionInfo') as
      Extract<PtyServerMsg, { type: 'sessionInfo' }> | undefined;
  }

  write(s: string | Buffer) {
    this.ws.send(typeof s === 'string' ? Buffer.from(s) : s, { binary: true });
  }

  control(msg: object) {
    this.ws.send(JSON.stringify(msg));
  }

  waitFor(pattern: string | RegExp, timeoutMs = 10_000) {
    const test = () => (typeof pattern === 'string' ? this.text.includes(pattern) : pattern.test(this.text));
    return until(test, `terminal output ${pattern}`, timeoutMs);
  }

  close() {
    this.ws.close();
  }
}

/** A git repository with a few commits on main and a second branch `feature`. */
export function makeGitRepo(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vm-host-repo-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });
  git('init', '-q', '-b', 'main');
  for (let i = 1; i <= 3; i++) {
    writeFileSync(join(dir, 'README.md'), `version ${i}\n`);
    git('add', '.');
    git('commit', '-q', '-m', `commit ${i}`);
  }
  git('checkout', '-q', '-b', 'feature');
  writeFileSync(join(dir, 'feature.txt'), 'on the feature branch\n');
  git('add', '.');
  git('commit', '-q', '-m', 'feature work');
  git('checkout', '-q', 'main');
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
