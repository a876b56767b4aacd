import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pty from '@lydell/node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';
import { createVmClient } from '../../core/vm';
import { VM_SERVER_PATHS, startVmServer } from '../../vm-host/test/vm-server';

// `cw` as a user runs it: a subprocess against the real stack, its own config folder and HOME.

const CW = join(import.meta.dirname, '../../cli/bin/cw.mjs');
let t: TestStack;
let home: string;
let env: Record<string, string>;

beforeAll(async () => {
  t = await startTestStack({ readonlyPaths: VM_SERVER_PATHS });
  home = mkdtempSync(join(tmpdir(), 'cw-home-'));
  env = { PATH: process.env.PATH!, HOME: home, CW_CONFIG_DIR: join(home, 'cw'), TERM: 'xterm-256color' };
});
afterAll(() => t.stop());

function cw(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return cwWith({}, ...args);
}

function cwWith(
  extra: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CW, ...args], {
      env: { ...env, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('cw', () => {
  let ws: { id: string; name: string };
  let key: string;

  it('says "not signed in" (exit 3) before login, and rejects a bad key', async () => {
    const r = await cw('ls');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Not signed in. Run `cw login`/);
    const bad = await cw('login', '--url', t.stack.url, '--key', 'cw_not-a-key');
    expect(bad.code).toBe(3);
  });

  it('logs in with a key (stored 0600), says who, lists workspaces as JSON', async () => {
    const made = await t.runningWorkspace();
    ws = made.workspace;
    key = (
      await t.call('/api/api-keys', {
        cookie: made.user.cookie,
        body: { name: 'cli', organizationId: made.org, permissions: ['exec'] },
      })
    ).json.key;
    expect((await cw('login', '--url', t.stack.url, '--key', key)).code).toBe(0);
    expect(statSync(join(home, 'cw', 'credentials.json')).mode & 0o777).toBe(0o600);

    const who = await cw('whoami', '--json');
    expect(JSON.parse(who.stdout)).toMatchObject({ user: { email: made.user.email }, via: 'api_key' });
    const ls = await cw('ls', '--json');
    expect(ls.code).toBe(0);
    expect(JSON.parse(ls.stdout)).toEqual([
      expect.objectContaining({ id: ws.id, name: ws.name, status: 'running' }),
    ]);
    expect((await cw('ls')).stdout).toMatch(new RegExp(`${ws.name}\\s+running`));
  });

  it("exec: output as is, the command's exit code as its own", async () => {
    const r = await cw(
      'exec',
      ws.name,
      '--',
      'sh',
      '-c',
      'echo out; echo err >&2; git rev-parse --abbrev-ref HEAD; exit 7',
    );
    expect(r).toEqual({ code: 7, stdout: 'out\nmain\n', stderr: 'err\n' });
    expect((await cw('exec', ws.id, '--', 'true')).code).toBe(0);
    const unknown = await cw('exec', 'no-such-workspace', '--', 'true');
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/No workspace "no-such-workspace"/);
  });

  it('attach: a raw terminal over the terminal socket, typed into through a PTY; Ctrl-] detaches', async () => {
    const p = pty.spawn(process.execPath, [CW, 'attach', ws.name], {
      cols: 100,
      rows: 30,
      env,
      name: 'xterm-256color',
    });
    let screen = '';
    let exit: number | undefined;
    p.onData((d) => (screen += d));
    p.onExit(({ exitCode }) => (exit = exitCode));
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 300 && !re.test(screen); i++) await new Promise((r) => setTimeout(r, 50));
      expect(screen).toMatch(re);
    };
    await waitFor(/[#$] $/m);
    p.write('echo attached-$((2 + 3)); stty size\r');
    await waitFor(/attached-5/);
    await waitFor(/30 100/);
    p.write('\x1d');
    await waitFor(/detached/);
    for (let i = 0; i < 100 && exit === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    expect(exit).toBe(0);
  });

  it('ssh: runs the system ssh with fresh credentials; its exit code is ours', async () => {
    const r = await cw('ssh', ws.name, '--', 'echo via-ssh; exit 3');
    expect(r).toMatchObject({ code: 3, stdout: 'via-ssh\n' });
    const cfg = await cw('ssh-config');
    expect(cfg.stdout).toMatch(/^Host cw-.*\n  HostName 127\.0\.0\.1\n/m);
  });

  it('an SSH connection through cw shows in presence as `ssh` while it is open, and heartbeats', async () => {
    const sessions = async () =>
      (await t.call(`/api/workspaces/${ws.id}/sessions`, { apiKey: key })).json as {
        sessions: { clientType: string; connectedAt: string; lastHeartbeatAt: string }[];
        presence: { users: { clientTypes: string[] }[] };
      };
    const sshIn = (r: Awaited<ReturnType<typeof sessions>>) =>
      r.presence.users.some((u) => u.clientTypes.includes('ssh'));
    env.CW_HEARTBEAT_MS = '300';
    const held = cw('ssh', ws.name, '--', 'sleep 3; echo held');
    delete env.CW_HEARTBEAT_MS;
    // The connection of the test before ended: its session is gone.
    expect(sshIn(await sessions())).toBe(false);
    let seen: Awaited<ReturnType<typeof sessions>> | undefined;
    for (let i = 0; i < 100 && !(seen && sshIn(seen)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await sessions();
    }
    expect(sshIn(seen!)).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    const s = (await sessions()).sessions.find((x) => x.clientType === 'ssh')!;
    expect(Date.parse(s.lastHeartbeatAt)).toBeGreaterThan(Date.parse(s.connectedAt));
    expect(await held).toMatchObject({ code: 0, stdout: 'held\n' });
    // The connection ended: so did its session.
    expect(sshIn(await sessions())).toBe(false);
  });

  it("ssh-config's Host blocks go through cw: connecting resumes a paused workspace", async () => {
    const wrote = await cw('ssh-config', '--write');
    expect(wrote.code).toBe(0);
    const alias = wrote.stderr.match(/(cw-[^:\s]+):/)![1]!;
    expect((await cw('pause', ws.name)).code).toBe(0);
    // What an editor does: the system ssh with the user's config, no cw in its environment.
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(
        'ssh',
        ['-F', join(home, '.ssh', 'config'), '-o', 'BatchMode=yes', alias, 'echo awake'],
        {
          env: { PATH: process.env.PATH!, HOME: home },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(r).toEqual({ code: 0, stdout: 'awake\n' });
    expect(JSON.parse((await cw('ls', '--json')).stdout)[0].status).toBe('running');
  });

  it('pause, resume, stop, start; a stopped workspace is "not running" (exit 5); rm', async () => {
    expect((await cw('pause', ws.name)).code).toBe(0);
    expect(JSON.parse((await cw('ls', '--json')).stdout)[0].status).toBe('paused');
    expect((await cw('stop', ws.name)).code).toBe(0);
    const r = await cw('ssh', ws.name, '--', 'true');
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/is stopped\. Run `cw start/);
    expect((await cw('exec', ws.name, '--', 'true')).code).toBe(5);
    expect((await cw('start', ws.name)).code).toBe(0);
    expect((await cw('rm', ws.name)).code).toBe(0);
    expect(JSON.parse((await cw('ls', '--json')).stdout)).toEqual([]);
    expect((await cw('logout')).code).toBe(0);
    expect((await cw('whoami')).code).toBe(3);
  });
});

describe('cw login in the browser', () => {
  /** `cw login --web` with a browser that opens nothing: answers the link it printed and its end. */
  function startLogin(configDir: string) {
    const child = spawn(process.execPath, [CW, 'login', '--url', t.stack.url, '--web'], {
      env: { ...env, CW_CONFIG_DIR: configDir, BROWSER: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const link = new Promise<URL>((resolve) =>
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = stderr.match(/Opening (\S+)/);
        if (m) resolve(new URL(m[1]!));
      }),
    );
    const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, stderr })),
    );
    return { link, done };
  }
  /** What the page's form does: a POST of the fields to the CLI's loopback callback. */
  const post = (link: URL, fields: Record<string, string>) =>
    fetch(`http://127.0.0.1:${link.searchParams.get('port')}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });

  it('opens the web app, takes the key its page makes, and stores it 0600', async () => {
    const user = await t.signUp();
    const org = await t.createOrg(user);
    const dir = join(home, 'cw-browser');
    const login = startLogin(dir);
    const link = await login.link;
    expect(link.origin + link.pathname).toBe(`${t.stack.url}/cli-login`);
    const state = link.searchParams.get('state')!;
    expect(state.length).toBeGreaterThanOrEqual(16);

    // The page, as the browser runs it: the signed-in person makes an organization key...
    const made = await t.call('/api/api-keys', {
      cookie: user.cookie,
      body: {
        name: `cw on ${link.searchParams.get('host')}`.slice(0, 32),
        organizationId: org,
        permissions: ['exec'],
      },
    });
    expect(made.status).toBe(201);
    // ...a page that does not know the state is refused, and cw keeps waiting...
    expect((await post(link, { state: 'x'.repeat(state.length), key: made.json.key })).status).toBe(400);
    expect((await fetch(`http://127.0.0.1:${link.searchParams.get('port')}/callback`)).status).toBe(404);
    // ...and the real form post signs cw in.
    const ok = await post(link, { state, key: made.json.key });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/cw is signed in/);
    const end = await login.done;
    expect(end.code).toBe(0);
    expect(end.stderr).toMatch(new RegExp(`Signed in to .* as ${user.email}`));
    expect(statSync(join(dir, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'))).toEqual({
      url: t.stack.url,
      key: made.json.key,
    });
  });

  it('a cancel on the page ends cw login with exit 1 and stores nothing', async () => {
    const dir = join(home, 'cw-cancel');
    const login = startLogin(dir);
    const link = await login.link;
    expect((await post(link, { state: link.searchParams.get('state')!, error: 'denied' })).status).toBe(200);
    const end = await login.done;
    expect(end.code).toBe(1);
    expect(end.stderr).toMatch(/cancelled in the browser/);
    expect(existsSync(join(dir, 'credentials.json'))).toBe(false);
  });

  it('the pasted key still works (piped)', async () => {
    const user = await t.signUp();
    const org = await t.createOrg(user);
    const key = (
      await t.call('/api/api-keys', { cookie: user.cookie, body: { name: 'p', organizationId: org } })
    ).json.key as string;
    const dir = join(home, 'cw-paste');
    const child = spawn(process.execPath, [CW, 'login', '--url', t.stack.url], {
      env: { ...env, CW_CONFIG_DIR: dir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(key + '\n');
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(0);
    expect(statSync(join(dir, 'credentials.json')).mode & 0o777).toBe(0o600);
  });
});

describe('cw ports and cw open', () => {
  it('lists what listens with its preview URL, and opens one in the browser', async () => {
    const made = await t.runningWorkspace();
    const w = made.workspace;
    const key = (
      await t.call('/api/api-keys', {
        cookie: made.user.cookie,
        body: { name: 'cli', organizationId: made.org, permissions: ['exec'] },
      })
    ).json.key;
    const as = { CW_URL: t.stack.url, CW_API_KEY: key };
    const none = await cwWith(as, 'open', w.id);
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/Nothing listens/);

    const vms = createVmClient({ baseUrl: t.stack.vmHostUrl, apiKey: t.stack.vmHostApiKey });
    await startVmServer(vms, w.freestyleVmId, 3000);
    const url = `http://3000-${w.id}.localhost:${new URL(t.stack.url).port}`;
    const listed = await cwWith(as, 'ports', w.id);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`^3000\\s+node\\s+private\\s+${url.replace(/\./g, '\\.')}$`, 'm'),
    );
    expect(JSON.parse((await cwWith(as, 'ports', w.id, '--json')).stdout)).toEqual([
      { port: 3000, process: 'node', listening: true, visibility: 'private', url },
    ]);

    // $BROWSER gets the URL (a script standing in for the browser).
    const opened = join(home, 'opened.txt');
    const browser = join(home, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\necho "$1" > ${opened}\n`, { mode: 0o755 });
    const r = await cwWith({ ...as, BROWSER: browser }, 'open', w.id);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${url}\n`);
    expect(r.stderr).toMatch(/private/);
    await expect.poll(() => (existsSync(opened) ? readFileSync(opened, 'utf8') : '')).toBe(`${url}\n`);
    const other = await cwWith(as, 'open', w.id, '5173', '--print');
    expect(other.stdout).toBe(`http://5173-${w.id}.localhost:${new URL(t.stack.url).port}\n`);
    expect((await cwWith(as, 'open', w.id, '70000')).code).toBe(2);
    expect((await cwWith(as, 'ports', 'no-such-workspace')).code).toBe(4);
  });
});
