import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startVmServer } from '../../vm-host/test/vm-server';
import type { TestUser } from './harness';
import { html, usePreviewStack } from './preview-client';
import { TermClient } from './terminal-client';
import { CloseCode } from '../../core/protocol';

// A workspace's ports on the real stack: what listens in the VM (with its process), pushed live to
// terminal clients, and devcontainer.json's forwardPorts and labels named before anything listens.

const s = usePreviewStack();

describe('listening ports', () => {
  let user: TestUser;
  let ws: { id: string; freestyleVmId: string };

  beforeAll(async () => {
    const r = await s.t.runningWorkspace();
    user = r.user;
    ws = r.workspace;
    await startVmServer(s.vms, ws.freestyleVmId, 3000);
  }, 60_000);

  it('lists the listening port with its process, private by default, and its preview URL', async () => {
    const r = await s.t.call(`/api/workspaces/${ws.id}/ports`, { cookie: user.cookie });
    expect(r.status).toBe(200);
    expect(r.json.ports).toContainEqual({
      port: 3000,
      process: 'node',
      listening: true,
      visibility: 'private',
      url: `http://3000-${ws.id}.localhost:${s.p.portOf()}`,
    });
  });

  it('pages the port list like every list: by number, limit and cursor, 400 on a bad one', async () => {
    const servers = [
      await startVmServer(s.vms, ws.freestyleVmId, 3001),
      await startVmServer(s.vms, ws.freestyleVmId, 3002),
    ];
    const path = `/api/workspaces/${ws.id}/ports`;
    const all = await s.t.call(`${path}?limit=200`, { cookie: user.cookie });
    expect(all.json.nextCursor).toBeNull();
    const numbers = (all.json.ports as { port: number }[]).map((x) => x.port);
    expect(numbers).toEqual(expect.arrayContaining([3000, 3001, 3002]));
    const walked: number[] = [];
    let cursor: string | null = null;
    do {
      const r = await s.t.call(`${path}?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
        cookie: user.cookie,
      });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json.ports.length).toBeLessThanOrEqual(1);
      walked.push(...r.json.ports.map((x: { port: number }) => x.port));
      cursor = r.json.nextCursor;
      expect(walked.length).toBeLessThan(50);
    } while (cursor);
    expect(walked).toEqual(numbers);
    for (const bad of ['limit=0', 'limit=201', 'limit=x']) {
      const r = await s.t.call(`${path}?${bad}`, { cookie: user.cookie });
      expect(r.status, bad).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'validation_error', field: 'limit' });
    }
    // Not a cursor, another list's cursor, a port out of range.
    for (const bad of ['nonsense', btoa('secret|A'), btoa('port|70000'), btoa('port|1e3')]) {
      const r = await s.t.call(`${path}?cursor=${encodeURIComponent(bad)}`, { cookie: user.cookie });
      expect(r.status, bad).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'validation_error', field: 'cursor' });
    }
    for (const s of servers) s.close();
    await s.vms.exec(ws.freestyleVmId, { command: 'pkill -f "server.js 300[12]" || true' });
  });

  it('pushes ports to terminal clients within 2 s of a server starting and stopping', async () => {
    const win = await s.t.call(`/api/workspaces/${ws.id}/terminals`, { cookie: user.cookie, body: {} });
    const client = await TermClient.open(
      `${s.t.stack.url.replace('http', 'ws')}/api/workspaces/${ws.id}/terminals/${win.json.windowId}`,
      { headers: { cookie: user.cookie, origin: s.t.stack.url } },
    );
    const portsMsg = (want: (p: number[]) => boolean) =>
      client.waitFor(
        () =>
          client.messages.some((m) => m.type === 'ports' && want(m.ports.map((p) => p.port))) || undefined,
        2500,
        'ports message',
      );
    const started = Date.now();
    const pty = await startVmServer(s.vms, ws.freestyleVmId, 8080);
    await portsMsg((p) => p.includes(8080));
    expect(Date.now() - started).toBeLessThan(4000); // includes starting node itself
    const stopped = Date.now();
    pty.close();
    await s.vms.exec(ws.freestyleVmId, { command: 'pkill -f "server.js 8080" || true' });
    await portsMsg((p) => !p.includes(8080));
    expect(Date.now() - stopped).toBeLessThan(2500);
    client.ws.close();
  });
});

/** A new origin whose main has `.devcontainer/devcontainer.json` = `devcontainer`. */
function originWith(devcontainer: string) {
  const origin = s.t.createOrigin();
  const work = mkdtempSync(join(tmpdir(), 'cw-ports-'));
  try {
    s.t.git(work, 'clone', '-q', origin, '.');
    mkdirSync(join(work, '.devcontainer'));
    writeFileSync(join(work, '.devcontainer/devcontainer.json'), devcontainer);
    s.t.git(work, 'add', '.');
    s.t.git(work, 'commit', '-q', '-m', 'devcontainer');
    s.t.git(work, 'push', '-q', 'origin', 'HEAD:main');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return origin;
}

/** `cw` as a user runs it, signed in with an API key. */
function cw(key: string, ...args: string[]): Promise<{ code: number | null; stdout: string }> {
  const home = mkdtempSync(join(tmpdir(), 'cw-home-'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, '../../cli/bin/cw.mjs'), ...args], {
      env: {
        PATH: process.env.PATH!,
        HOME: home,
        CW_CONFIG_DIR: join(home, 'cw'),
        CW_URL: s.t.stack.url,
        CW_API_KEY: key,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

// As VS Code writes it: comments, a trailing comma, `host:port`, a label for a port not forwarded, and
// a label carrying a terminal escape (a repository is not trusted to write into people's terminals).
const DEVCONTAINER = `{
  // the app and its hot reload
  "forwardPorts": [3000, 5173, "db:5432",],
  "portsAttributes": {
    "3000": { "label": "Web app" },
    "5173": { "label": "Vite \\u001b[2J\\u202eHMR" },
    "8080": { "label": "API" },
  },
  "postCreateCommand": "echo installing; sleep 4; echo installed",
}`;

describe("devcontainer.json's forwardPorts and labels", () => {
  it('names the forwarded ports before they listen (while setup runs too), with their URLs; a server gets its label', async () => {
    const user = await s.t.signUp();
    const org = await s.t.createOrg(user);
    const repositoryId = await s.t.addRepository(user, org, originWith(DEVCONTAINER));
    const created = await s.t.call('/api/workspaces', {
      cookie: user.cookie,
      body: { organizationId: org, repositoryId, branch: 'main' },
    });
    expect(created.status).toBe(201);
    const id = created.json.workspace.id as string;
    const url = (port: number) => `http://${s.p.hostFor(port, id)}`;
    const forwarded = [
      { port: 3000, label: 'Web app', listening: false, visibility: 'private', url: url(3000) },
      { port: 5173, label: 'Vite [2JHMR', listening: false, visibility: 'private', url: url(5173) },
      { port: 5432, listening: false, visibility: 'private', url: url(5432) },
    ];

    // While the setup still runs (provisioning), the forwarded ports are already named.
    let seen: any;
    for (let i = 0; i < 200; i++) {
      seen = (await s.t.call(`/api/workspaces/${id}`, { cookie: user.cookie })).json.workspace;
      if (seen.setup?.status === 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen.status).toBe('provisioning');
    const during = await s.t.call(`/api/workspaces/${id}/ports`, { cookie: user.cookie });
    expect(during.status).toBe(200);
    expect(during.json.ports).toEqual(forwarded);

    const w = await s.t.waitForStatus(user, id, ['running'], 60_000);
    expect((await s.t.call(`/api/workspaces/${id}/ports`, { cookie: user.cookie })).json.ports).toEqual(
      forwarded,
    );
    // Its URL says nothing listens yet (the page names the port), as for any port.
    const k = await s.p.key(user, org);
    const page = await s.p.get(s.p.hostFor(3000, id), '/', {
      headers: { ...html, authorization: `Bearer ${k}` },
    });
    expect(page.status).toBe(502);
    expect(page.body).toContain('Start your dev server');

    // A forwarded port may be made public before it listens.
    const pub = await s.t.call(`/api/workspaces/${id}/ports/5173`, {
      method: 'PATCH',
      cookie: user.cookie,
      body: { visibility: 'public' },
    });
    expect(pub.status).toBe(200);
    expect(pub.json.port).toEqual({ ...forwarded[1], visibility: 'public' });

    // Servers start: the forwarded one listens under its label, another gets its portsAttributes label,
    // and terminal clients hear it (within 2 s of listening).
    const win = await s.t.call(`/api/workspaces/${id}/terminals`, { cookie: user.cookie, body: {} });
    const client = await TermClient.open(
      `${s.t.stack.url.replace('http', 'ws')}/api/workspaces/${id}/terminals/${win.json.windowId}`,
      { headers: { cookie: user.cookie, origin: s.t.stack.url } },
    );
    const web = await startVmServer(s.vms, w.freestyleVmId, 3000);
    const api = await startVmServer(s.vms, w.freestyleVmId, 8080);
    const listed = () => [...client.messages].reverse().find((m) => m.type === 'ports');
    await client.waitFor(
      () => {
        const m = listed();
        return (m?.type === 'ports' && m.ports.filter((x) => x.listening).length === 2) || undefined;
      },
      2500,
      'both servers in a ports message',
    );
    const now = [
      {
        port: 3000,
        label: 'Web app',
        process: 'node',
        listening: true,
        visibility: 'private',
        url: url(3000),
      },
      { ...forwarded[1], visibility: 'public' },
      forwarded[2],
      { port: 8080, label: 'API', process: 'node', listening: true, visibility: 'private', url: url(8080) },
    ];
    expect(listed()).toEqual({ type: 'ports', ports: now });
    expect((await s.t.call(`/api/workspaces/${id}/ports`, { cookie: user.cookie })).json.ports).toEqual(now);

    // `cw ports` shows the same, labels and all.
    const out = await cw(k, 'ports', id);
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^PORT\s+LABEL\s+PROCESS\s+VISIBILITY\s+URL$/);
    expect(lines[1]).toMatch(
      new RegExp(`^3000\\s+Web app\\s+node\\s+private\\s+${url(3000).replace(/\./g, '\\.')}$`),
    );
    expect(lines[2]).toMatch(/^5173\s+Vite \[2JHMR\s+not listening yet\s+public\s/);
    expect(lines[3]).toMatch(/^5432\s+not listening yet\s+private\s/);
    expect(lines[4]).toMatch(/^8080\s+API\s+node\s+private\s/);
    expect(out.stdout).not.toMatch(/[\u001b\u202e]/);
    api.close();

    // Stopped, the configured ports (forwarded, or with a visibility set) stay listed, not listening,
    // as Codespaces keeps them; their URLs say the workspace is stopped, the public one's too. The web
    // server on 3000 listens up to the stop, and the terminal client stays connected through it.
    for (const [action, status] of [
      ['pause', 'paused'],
      ['stop', 'stopped'],
    ]) {
      const r = await s.t.call(`/api/workspaces/${id}/${action}`, { cookie: user.cookie, body: {} });
      expect(r.status, JSON.stringify(r.json)).toBeLessThan(300);
      await s.t.waitForStatus(user, id, [status], 30_000);
    }
    // The client's shell ends with the VM and its socket closes as "workspace stopped" (not "shell
    // exited", which would offer a new shell): it asks for the list again, as the page does.
    await client.waitFor(() => client.closed ?? undefined, 10_000, 'the socket closed by the stop');
    expect(client.closed).toEqual({ code: CloseCode.workspaceGone, reason: 'workspace stopped' });
    expect((await s.t.call(`/api/workspaces/${id}/ports`, { cookie: user.cookie })).json.ports).toEqual([
      forwarded[0],
      { ...forwarded[1], visibility: 'public' },
      forwarded[2],
    ]);
    web.close();
    for (const port of [3000, 5173]) {
      const stopped = await s.p.get(s.p.hostFor(port, id), '/', {
        headers: { ...html, authorization: `Bearer ${k}` },
      });
      expect(stopped.status, String(port)).toBe(409);
      expect(stopped.body).toContain('The workspace is stopped');
    }
    const anonymous = await s.p.get(s.p.hostFor(5173, id), '/', { headers: html });
    expect(anonymous.status).toBe(409);
  });
});
