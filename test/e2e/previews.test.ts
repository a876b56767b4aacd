import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import {
  DESKTOP,
  newContext,
  pageApi,
  PHONE,
  screens,
  SCREENSHOT_DIR,
  useBrowserPage,
  watchErrors,
} from './support/browser';
import {
  expectNoErrors,
  originWith,
  signUp,
  uniqueEmail,
  waitForPrompt,
  waitForStatus,
  waitForTerminalText,
} from './support/app';

// A dev server in a workspace, opened from the Ports panel in Chromium: the private port's sign-in
// hand-off, and a page whose script opens a WebSocket (as Vite's hot reload does), through the preview URL.
const url = inject('e2eUrl');
const demoRepoUrl = inject('e2eDemoRepositoryUrl');

// Plain Node (the VM's /usr/bin/node), no packages: a page, and a WebSocket echo with a subprotocol.
const APP = String.raw`
const http = require('node:http');
const crypto = require('node:crypto');
const port = Number(process.argv[2]);
const page = '<!doctype html><title>dev app</title><h1 id="out">loading</h1><script>' +
  'const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/hmr", "vite-hmr");' +
  'ws.onopen = () => ws.send("hello over " + ws.protocol);' +
  'ws.onmessage = (e) => { document.getElementById("out").textContent = "echo: " + e.data; };' +
  'ws.onerror = () => { document.getElementById("out").textContent = "socket failed"; };' +
  '</script>';
const server = http.createServer((req, res) => { res.setHeader('content-type', 'text/html'); res.end(page); });
server.on('upgrade', (req, socket) => {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  const proto = req.headers['sec-websocket-protocol'];
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + '\r\n' + (proto ? 'Sec-WebSocket-Protocol: ' + proto + '\r\n' : '') + '\r\n');
  socket.on('data', (b) => {
    if ((b[0] & 0x0f) !== 1) return socket.end();
    let len = b[1] & 0x7f, off = 2;
    if (len === 126) { len = b.readUInt16BE(2); off = 4; }
    const mask = b.subarray(off, off + 4);
    const data = Buffer.from(b.subarray(off + 4, off + 4 + len).map((x, i) => x ^ mask[i % 4]));
    socket.write(Buffer.concat([Buffer.from([0x81, data.length]), data]));
  });
});
server.listen(port, () => console.log('  ready at http://localhost:' + port + '/'));
`;

const b = useBrowserPage(url);

const api = (method: 'GET' | 'POST', path: string, data?: unknown) =>
  pageApi(b.page, url, method, path, data);

/** Both sizes of the current screen; `DOC_SCREENSHOTS=1` also refreshes docs/screenshots. */
async function keep(name: string, sizes = ['desktop', 'phone']) {
  if (sizes.length === 2) await screens(b.page, name);
  else await b.page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.${sizes[0]}.png`) });
  if (process.env.DOC_SCREENSHOTS !== '1') return;
  mkdirSync('docs/screenshots', { recursive: true });
  for (const size of sizes) {
    copyFileSync(
      join(SCREENSHOT_DIR, `${name}.${size}.png`),
      join('docs/screenshots', `${name}.${size}.png`),
    );
  }
}

describe('ports and preview URLs in the browser', () => {
  it('shows a dev server in the Ports panel within seconds and opens it, WebSocket included', async () => {
    await b.page.goto('/sign-up');
    await signUp(b.page, 'Hedy Lamarr', uniqueEmail('hedy'));
    await b.page.waitForURL(/\/new-org/);
    await b.page.getByLabel('Name').fill('Frequency Hopping');
    await b.page.getByRole('button', { name: 'Create organization' }).click();
    await b.page.waitForURL(/\/o\/frequency-hopping\/workspaces$/);
    const org = (await api('GET', '/api/auth/organization/list')).json[0].id as string;
    const repo = await api('POST', '/api/repositories', { organizationId: org, url: demoRepoUrl });
    const created = await api('POST', '/api/workspaces', {
      organizationId: org,
      repositoryId: repo.json.repository.id,
      branch: 'main',
      name: 'radio',
    });
    const id = created.json.workspace.id as string;
    await b.page.goto(`/o/frequency-hopping/workspaces/${id}`);
    await waitForStatus(b.page, 'running');
    await waitForPrompt(b.page);
    const wrote = await api('POST', `/api/workspaces/${id}/exec`, {
      command: `cat > /tmp/app.js <<'EOF'\n${APP}\nEOF`,
    });
    expect(wrote.json.exitCode).toBe(0);
    await b.page.getByText('No server is listening yet').waitFor();

    await b.page.keyboard.type('node /tmp/app.js 5173');
    await b.page.keyboard.press('Enter');
    await waitForTerminalText(b.page, 'ready at http://localhost:5173/');
    const row = b.page.locator('.port[data-port="5173"]');
    await row.waitFor({ timeout: 5000 });
    expect(await row.locator('.port-name').textContent()).toBe('node');
    expect(await row.locator('.port-visibility').textContent()).toBe('Private');
    const previewUrl = `http://5173-${id}.localhost:${new URL(url).port}`;
    expect(await row.getByRole('link', { name: 'Open' }).getAttribute('href')).toBe(previewUrl);
    await keep('40-workspace-ports');

    // Open: the private port sends the browser through the app origin, which hands back a code.
    const [preview] = await Promise.all([
      b.context.waitForEvent('page'),
      row.getByRole('link', { name: 'Open' }).click(),
    ]);
    const previewErrors = watchErrors(preview);
    await preview.waitForURL(`${previewUrl}/`);
    await expect
      .poll(() => preview.locator('#out').textContent(), { timeout: 10_000 })
      .toBe('echo: hello over vite-hmr');
    const cookies = await b.context.cookies(previewUrl);
    expect(cookies.map((c) => c.name)).toEqual(['__cw_preview']);
    expect(cookies[0]).toMatchObject({ httpOnly: true, domain: `5173-${id}.localhost` });
    // The previewed app's scripts cannot read the product's session: it is another origin.
    expect(await preview.evaluate('document.cookie')).toBe('');
    expectNoErrors(previewErrors);
    await preview.close();

    // The link the dev server printed in the terminal opens the preview URL too.
    // Where the printed URL is on screen: xterm.js draws rows as text in the DOM.
    const at = (await b.page.evaluate(`(() => {
      const rows = document.querySelectorAll('.terminal-view:not(.terminal-view-hidden) .xterm-rows > div');
      for (const row of [...rows].reverse()) {
        const walk = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
          const i = n.textContent.indexOf('localhost:5173');
          if (i < 0) continue;
          const r = document.createRange();
          r.setStart(n, i);
          r.setEnd(n, i + 5);
          const b = r.getBoundingClientRect();
          return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
        }
      }
      return null;
    })()`)) as { x: number; y: number };
    await b.page.mouse.move(at.x, at.y);
    await b.page.waitForTimeout(300);
    const [fromTerminal] = await Promise.all([
      b.context.waitForEvent('page'),
      b.page.mouse.click(at.x, at.y),
    ]);
    await fromTerminal.waitForURL(`${previewUrl}/`);
    await fromTerminal.close();

    // Make it public: the toggle says so, and the panel shows it live.
    await row.locator('.port-visibility').click();
    await expect.poll(() => row.locator('.port-visibility').textContent()).toBe('Public');
    await keep('41-workspace-ports-public');
    await b.page.setViewportSize(PHONE);
    await b.page.getByRole('button', { name: /Ports \(1\)/ }).click();
    await b.page.locator('.port[data-port="5173"]').waitFor();
    await keep('42-ports-panel', ['phone']);
    await b.page.getByRole('button', { name: 'Terminal' }).click();

    // A visitor without any account opens a public port.
    const stranger = await b.browser.newContext();
    const visitor = await stranger.newPage();
    await visitor.goto(`${previewUrl}/`);
    await expect
      .poll(() => visitor.locator('#out').textContent(), { timeout: 10_000 })
      .toBe('echo: hello over vite-hmr');
    await stranger.close();

    // Ctrl-C: the port stops listening. Made public, it stays in the panel (Not listening, still
    // public) so that its owner sees the URL and can make it private; a port never set would go.
    await b.page.locator('.terminal-view:not(.terminal-view-hidden) .xterm-screen').click();
    await b.page.keyboard.press('Control+C');
    await row.locator('.port-state').waitFor({ state: 'attached', timeout: 5000 });
    expect(await row.locator('.port-state').textContent()).toBe('Not listening');
    expect(await row.locator('.port-visibility').textContent()).toBe('Public');
    expectNoErrors(b.errors);
  });

  it("names devcontainer.json's forwarded ports in the Ports panel before they listen, with their labels", async () => {
    // The same person and organization as above.
    const org = (await api('GET', '/api/auth/organization/list')).json[0].id as string;
    const repoUrl = originWith(demoRepoUrl, 'forwarded', {
      '.devcontainer/devcontainer.json': JSON.stringify(
        {
          forwardPorts: [3000, 5173],
          portsAttributes: { '3000': { label: 'Web app' }, '5173': { label: 'Vite HMR' } },
        },
        null,
        2,
      ),
    });
    const repo = await api('POST', '/api/repositories', {
      organizationId: org,
      url: repoUrl,
      name: 'forwarded',
    });
    expect(repo.status).toBe(201);
    const created = await api('POST', '/api/workspaces', {
      organizationId: org,
      repositoryId: repo.json.repository.id,
      branch: 'main',
      name: 'labelled',
    });
    const id = created.json.workspace.id as string;
    await b.page.setViewportSize(DESKTOP);
    await b.page.goto(`/o/frequency-hopping/workspaces/${id}`);
    await waitForStatus(b.page, 'running');
    await waitForPrompt(b.page);
    const web = b.page.locator('.port[data-port="3000"]');
    await web.waitFor({ timeout: 5000 });
    expect(await web.locator('.port-name').textContent()).toBe('Web app');
    expect(await web.locator('.port-state').textContent()).toBe('Not listening');
    expect(await web.getByRole('link', { name: 'Open' }).getAttribute('href')).toBe(
      `http://3000-${id}.localhost:${new URL(url).port}`,
    );
    expect(await b.page.locator('.port[data-port="5173"] .port-name').textContent()).toBe('Vite HMR');
    await keep('43-ports-forwarded', ['desktop']);
    await b.page.setViewportSize(PHONE);
    await b.page.getByRole('button', { name: /Ports \(2\)/ }).click();
    await web.waitFor();
    await keep('43-ports-forwarded', ['phone']);
    await b.page.getByRole('button', { name: 'Terminal' }).click();
    await b.page.setViewportSize(DESKTOP);

    // A server starts on the forwarded port: it listens under its label, with its process.
    const wrote = await api('POST', `/api/workspaces/${id}/exec`, {
      command: `cat > /tmp/app.js <<'EOF'\n${APP}\nEOF`,
    });
    expect(wrote.json.exitCode).toBe(0);
    await b.page.locator('.terminal-view:not(.terminal-view-hidden) .xterm-screen').click();
    await b.page.keyboard.type('node /tmp/app.js 3000');
    await b.page.keyboard.press('Enter');
    await waitForTerminalText(b.page, 'ready at http://localhost:3000/');
    await web.locator('.port-state').waitFor({ state: 'detached', timeout: 5000 });
    expect(await web.locator('.port-name').textContent()).toBe('Web appnode');
    expect(await web.locator('.port-process').textContent()).toBe('node');
    await keep('44-ports-forwarded-listening', ['desktop']);
    expectNoErrors(b.errors);

    // Stopped, the panel keeps the configured ports, not listening (their URLs say it is stopped).
    for (const action of ['pause', 'stop']) {
      const r = await api('POST', `/api/workspaces/${id}/${action}`, {});
      expect(r.status, JSON.stringify(r.json)).toBeLessThan(300);
    }
    await waitForStatus(b.page, 'stopped');
    await web.locator('.port-state').waitFor({ timeout: 10_000 });
    expect(await b.page.locator('.port').count()).toBe(2);
    expect(await b.page.locator('.port .port-state').allTextContents()).toEqual([
      'Not listening',
      'Not listening',
    ]);
    await keep('45-ports-stopped', ['desktop']);
  });
});
