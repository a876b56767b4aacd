import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { startTestStack, type TestStack, type TestUser } from './harness';
import { TermClient } from './terminal-client';
import { flowWindowFor } from '../../core/protocol';

let t: TestStack;
let user: TestUser;
let workspace: { id: string; organizationId: string };

/** The headless terminal's backlog bound, shrunk so a `yes` flood makes it skip and catch up. */
const PARSE_BACKLOG = 128 * 1024;

beforeAll(async () => {
  // RELAY_STATS: `ping` is answered with the window's relay numbers (what the relay holds).
  t = await startTestStack({
    // LIMIT_WINDOWS: these tests open more windows in one workspace than an organization's default allows.
    extraVars: { RELAY_STATS: '1', RELAY_PARSE_BACKLOG_BYTES: String(PARSE_BACKLOG), LIMIT_WINDOWS: '50' },
  });
  ({ user, workspace } = await t.runningWorkspace());
});
afterAll(async () => {
  await t?.stop();
});

interface RelayStats {
  parsePending: number;
  heldBytes: number;
  catchUps: number;
  outputBytes: number;
  viewers: { id: string; state: string; unacked: number; pendingBytes: number }[];
}

const wsUrl = (path: string) => t.stack.url.replace(/^http/, 'ws') + path;

async function newWindow(u = user, id = workspace.id): Promise<string> {
  const r = await t.call(`/api/workspaces/${id}/terminals`, { cookie: u.cookie, body: {} });
  expect(r.status).toBe(201);
  return r.json.windowId;
}

function attach(
  windowId: string,
  opts: { cols?: number; rows?: number; u?: TestUser; autoAck?: boolean; mirror?: boolean } = {},
) {
  const q = `cols=${opts.cols ?? 80}&rows=${opts.rows ?? 24}`;
  return TermClient.open(wsUrl(`/api/workspaces/${workspace.id}/terminals/${windowId}?${q}`), {
    headers: { cookie: (opts.u ?? user).cookie, origin: t.stack.url },
    autoAck: opts.autoAck ?? true,
    mirror: opts.mirror,
  });
}

async function ready(c: TermClient) {
  await c.waitForMessage('screen', 0, 20_000);
  return c;
}

describe('terminal relay', () => {
  it('refuses no auth, other users and bad tickets before the upgrade; a ticket works once', async () => {
    const windowId = await newWindow();
    const path = `/api/workspaces/${workspace.id}/terminals/${windowId}`;
    await expect(TermClient.open(wsUrl(path))).rejects.toMatchObject({ status: 401 });
    const stranger = await t.signUp();
    await t.createOrg(stranger);
    await expect(
      TermClient.open(wsUrl(path), { headers: { cookie: stranger.cookie } }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(TermClient.open(wsUrl(`${path}?ticket=nope`))).rejects.toMatchObject({ status: 401 });
    // A stranger cannot get a ticket either.
    const denied = await t.call(`/api/workspaces/${workspace.id}/terminal-ticket`, {
      cookie: stranger.cookie,
      method: 'POST',
    });
    expect(denied.status).toBe(404);

    const issued = await t.call(`/api/workspaces/${workspace.id}/terminal-ticket`, {
      cookie: user.cookie,
      method: 'POST',
    });
    expect(issued.status).toBe(201);
    const c = await TermClient.open(wsUrl(`${path}?ticket=${issued.json.ticket}`));
    await ready(c);
    c.close();
    await expect(TermClient.open(wsUrl(`${path}?ticket=${issued.json.ticket}`))).rejects.toMatchObject({
      status: 401,
    });
    // An unknown window of a real workspace: 404 before the upgrade.
    await expect(
      TermClient.open(wsUrl(`/api/workspaces/${workspace.id}/terminals/${crypto.randomUUID()}`), {
        headers: { cookie: user.cookie },
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('lets two viewers share one shell; both type; a reconnect gets the exact screen', async () => {
    const windowId = await newWindow();
    const a = await ready(await attach(windowId));
    const b = await ready(await attach(windowId));
    // A new terminal opens in the workspace's clone.
    a.type('echo "cwd=$(pwd)"\r');
    await a.waitForText('cwd=/workspace');
    a.type('echo from-$((40+2))-a\r');
    await b.waitForText('from-42-a');
    b.type('echo from-$((50+5))-b\r');
    await a.waitForText('from-55-b');

    // Colours, then a full-screen program on the alternate screen with the cursor somewhere.
    a.type(
      "printf '\\e[1;31mRED\\e[0m \\e[42mGREEN\\e[0m\\n'; printf '\\e[?1049h\\e[2J\\e[5;10HALT-SCREEN\\e[7;3H'; sleep 600\r",
    );
    await a.waitForText('ALT-SCREEN');
    await b.waitForText('ALT-SCREEN');
    await new Promise((r) => setTimeout(r, 300));
    const reference = await a.screen();
    expect(reference).toContain('ALT-SCREEN');
    expect(await b.screen()).toBe(reference);

    b.close();
    const b2 = await ready(await attach(windowId));
    expect(await b2.screen()).toBe(reference);
    // The screen is live after the snapshot: Ctrl-C ends the sleep, the shell leaves the alt screen.
    b2.type("\x03printf '\\e[?1049l'; echo back-$((6*7))\r");
    await a.waitForText('back-42');
    await b2.waitForText('back-42');
    await new Promise((r) => setTimeout(r, 200));
    expect(await b2.screen()).toBe(await a.screen());
    a.close();
    b2.close();
  });

  it('sizes the window to the smallest viewer, and keeps a resize sent right after reconnecting', async () => {
    const windowId = await newWindow();
    const big = await ready(await attach(windowId, { cols: 120, rows: 40 }));
    const small = await ready(await attach(windowId, { cols: 70, rows: 20 }));
    await big.waitFor(() => big.messages.some((m) => m.type === 'size' && m.cols === 70 && m.rows === 20));
    big.type('stty size\r');
    await big.waitForText('20 70');
    small.close();
    await big.waitFor(() => big.messages.some((m) => m.type === 'size' && m.cols === 120 && m.rows === 40));
    big.type('stty size\r');
    await big.waitForText('40 120');

    // Reconnect and resize at once, before the screen arrives: the resize is not lost.
    big.close();
    const again = await attach(windowId, { cols: 120, rows: 40 });
    again.resize(100, 30);
    await ready(again);
    again.type('stty size\r');
    await again.waitForText('30 100');
    again.close();
  });

  it('delivers a 1 MB paste intact and in order', async () => {
    const windowId = await newWindow();
    const c = await ready(await attach(windowId));
    c.type('stty -echo; cat > /tmp/paste; stty echo\r');
    await new Promise((r) => setTimeout(r, 300));
    // Base64 lines (the terminal's line discipline takes lines up to 4 KiB).
    const raw = Buffer.alloc(768 * 1024);
    for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919 + (i >> 8)) & 0xff;
    const paste = raw.toString('base64').replace(/(.{76})/g, '$1\n') + '\n';
    expect(paste.length).toBeGreaterThan(1_000_000);
    // One big frame: the room splits it into bounded chunks, in order.
    c.type(Buffer.from(paste));
    c.type('\x04');
    c.type('wc -c < /tmp/paste; sha256sum /tmp/paste\r');
    const sum = createHash('sha256').update(paste).digest('hex');
    await c.waitForText(sum, 30_000);
    expect(c.text).toContain(String(Buffer.byteLength(paste)));
    c.close();
  });

  it('delivers every byte of a large output in order, while viewers come and go mid-stream', async () => {
    // The relay frees each output chunk once its last holder is done (durable-objects/relay/chunks.ts):
    // a chunk freed too early would show here as missing or zeroed bytes.
    const windowId = await newWindow();
    const reader = await ready(await attach(windowId, { cols: 120, rows: 30 }));
    const raw: Buffer[] = [];
    reader.onBinary = (d) => raw.push(Buffer.from(d));
    reader.type('seq 1 300000; echo seq-$((6*7))-done\r');
    // Viewers attach (screen + what follows) and leave while the numbers stream.
    const extras: TermClient[] = [];
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 60));
      extras.push(await attach(windowId, { cols: 120, rows: 30 }));
      if (i % 2) extras.shift()!.close();
    }
    await reader.waitForText('seq-42-done', 30_000);
    const out = Buffer.concat(raw).toString('latin1');
    // The output starts after the echoed command line (bash ends it with "\x1b[?2004l\r").
    const first = out.indexOf('\r1\r\n2\r\n') + 1;
    const last = out.indexOf('300000\r\n') + '300000\r\n'.length;
    expect(first).toBeGreaterThan(1);
    let expected = '';
    for (let n = 1; n <= 300000; n++) expected += `${n}\r\n`;
    expect(out.slice(first, last) === expected).toBe(true);
    // The viewers still attached got a screen and then the rest of the stream: their screens match.
    await new Promise((r) => setTimeout(r, 300));
    for (const e of extras) {
      // The end arrives as output, or inside the screen if this viewer's screen came after it.
      await e.waitFor(
        () =>
          e.text.includes('seq-42-done') ||
          e.messages.some((m) => m.type === 'screen' && m.data.includes('seq-42-done')),
        30_000,
        'the end of the output',
      );
      expect(await e.screen()).toBe(await reader.screen());
      e.close();
    }
    reader.close();
  });

  it('keeps a fast viewer fed during a flood with a stalled one, Ctrl-C stops it within 1 s, the stalled one resyncs', async () => {
    const windowId = await newWindow();
    const fast = await ready(await attach(windowId));
    const stalled = await ready(await attach(windowId, { autoAck: false }));
    fast.type('yes flood-line-of-text\r');
    await fast.waitForText('flood-line-of-text');
    const start = fast.bytes;
    // What the relay holds stays bounded during the flood: the emulator's queue, the batch, the tail
    // kept while the emulator catches up and screens being prepared; nothing grows with the flood.
    const held: number[] = [];
    const pongsBefore = fast.messages.filter((m) => m.type === 'pong').length;
    for (let i = 0; i < 15; i++) {
      fast.sendJson({ type: 'ping' });
      await new Promise((r) => setTimeout(r, 100));
    }
    const got = fast.bytes - start;
    const stats = fast.messages
      .filter((m) => m.type === 'pong')
      .slice(pongsBefore)
      .map((m) => (m as unknown as { relay: RelayStats }).relay);
    expect(stats.length).toBeGreaterThan(5);
    for (const s of stats) {
      held.push(s.heldBytes);
      expect(s.parsePending).toBeLessThanOrEqual(PARSE_BACKLOG + 64 * 1024);
      for (const v of s.viewers) expect(v.pendingBytes).toBeLessThanOrEqual(flowWindowFor(2));
    }
    expect(Math.max(...held)).toBeLessThan(4 * 1024 * 1024);
    // The bound was reached: the emulator skipped output and caught up on its tail.
    expect(stats.at(-1)!.catchUps).toBeGreaterThan(0);
    expect(stats.at(-1)!.outputBytes - stats[0]!.outputBytes).toBeGreaterThan(4 * 1024 * 1024);
    // The stalled viewer got at most one window and then nothing; the fast one kept going.
    expect(got).toBeGreaterThan(4 * 1024 * 1024);
    expect(stalled.bytes).toBeLessThanOrEqual(flowWindowFor(2) + 64 * 1024);

    const sentAt = Date.now();
    fast.type('\x03');
    fast.type('echo flood-$((1+1))-done\r');
    await fast.waitForText('flood-2-done', 5_000);
    const stoppedMs = Date.now() - sentAt;
    expect(stoppedMs).toBeLessThan(1000);

    // The stalled viewer reads again: it gets a fresh screen, not the backlog.
    const screensBefore = stalled.messages.filter((m) => m.type === 'screen').length;
    stalled.unacked = stalled.bytes;
    stalled.ack();
    await stalled.waitFor(
      () => stalled.messages.filter((m) => m.type === 'screen').length > screensBefore,
      10_000,
      'resync screen',
    );
    const resync = stalled.messages.filter((m) => m.type === 'screen').pop()!;
    expect(resync).toMatchObject({ reason: 'resync' });
    expect(await stalled.screen()).toContain('flood-2-done');
    // The emulator skipped part of the flood and caught up on its tail; a viewer attaching now still gets
    // exactly the screen (and scrollback) of the viewer that parsed every byte.
    await new Promise((r) => setTimeout(r, 300));
    const late = await ready(await attach(windowId));
    expect(await late.screen()).toBe(await fast.screen());
    fast.close();
    stalled.close();
    late.close();
  });

  it('shows one of many viewers that cannot keep up with a flood the visible screen, then resyncs it once the flood is over', async () => {
    const windowId = await newWindow();
    const fast = await ready(await attach(windowId));
    const slow = await ready(await attach(windowId, { autoAck: false }));
    // Five viewers make a fan-out (a lone slow viewer is simply resynchronised, as above).
    // (Without local mirrors: parsing the flood four times over in this process would slow it down.)
    const others = await Promise.all([1, 2, 3].map(() => attach(windowId, { mirror: false })));
    const frames: string[] = [];
    slow.onBinary = (d) => {
      if (d.toString('latin1').startsWith('\x1b[0m\x1b[H\x1b[2J')) frames.push(d.toString());
    };
    fast.type('yes frame-flood-line\r');
    await fast.waitForText('frame-flood-line');
    // It never acknowledges: it gets one window, then nothing (stalled, as the relay reports).
    const slowId = (await slow.waitForMessage('hello')).viewerId;
    const slowState = async () => {
      fast.sendJson({ type: 'ping' });
      const pong = (await fast.waitForMessage('pong', fast.messages.length)) as unknown as {
        relay: RelayStats;
      };
      return pong.relay.viewers.find((v) => v.id === slowId)?.state;
    };
    const fillWindow = async () => {
      for (let i = 0; i < 100 && (await slowState()) !== 'stalled'; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(await slowState()).toBe('stalled');
    };
    await fillWindow();
    // Reading again while the flood goes on: the stream would stall it again at once, so it is shown
    // the visible screen a few times a second instead.
    for (let i = 0; i < 10 && frames.length < 2; i++) {
      if (i > 0 && (await slowState()) !== 'frames') await fillWindow();
      slow.unacked = slow.bytes;
      slow.ack();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(frames.length).toBeGreaterThanOrEqual(2);
    expect(frames.at(-1)).toContain('frame-flood-line');
    fast.sendJson({ type: 'ping' });
    const pong = (await fast.waitForMessage('pong', fast.messages.length)) as unknown as {
      relay: RelayStats & { framesSent: number };
    };
    expect(pong.relay.framesSent).toBeGreaterThanOrEqual(2);
    expect(pong.relay.viewers.map((v) => v.state)).toContain('frames');

    const screensBefore = slow.messages.filter((m) => m.type === 'screen').length;
    fast.type('\x03');
    const sinceCtrlC = fast.messages.length;
    fast.type('echo frames-$((2+3))-over\r');
    // As output, or inside a screen if this viewer too fell behind on a loaded machine and was resynced.
    await fast.waitFor(
      () =>
        fast.text.includes('frames-5-over') ||
        fast.messages.slice(sinceCtrlC).some((m) => m.type === 'screen' && m.data.includes('frames-5-over')),
      10_000,
      'the echo after Ctrl-C',
    );
    slow.unacked = slow.bytes;
    slow.ack();
    // The flood is over: a full resync, and the slow viewer's terminal is the fast one's again.
    await slow.waitFor(
      () => slow.messages.filter((m) => m.type === 'screen').length > screensBefore,
      10_000,
      'the resync after the flood',
    );
    expect(slow.messages.filter((m) => m.type === 'screen').pop()).toMatchObject({ reason: 'resync' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await slow.screen()).toBe(await fast.screen());
    fast.close();
    slow.close();
    for (const o of others) o.close();
  });

  it('answers malformed frames with an error frame and keeps working', async () => {
    const windowId = await newWindow();
    const c = await ready(await attach(windowId));
    const before = c.messages.length;
    c.ws.send('not json');
    c.ws.send(JSON.stringify({ type: 'resize', cols: -1, rows: 'x' }));
    c.ws.send(JSON.stringify({ type: 'launch-missiles' }));
    await c.waitFor(() => c.messages.slice(before).filter((m) => m.type === 'error').length >= 3);
    c.type('echo still-$((3*3))-alive\r');
    await c.waitForText('still-9-alive');
    c.close();
  });

  it('resumes a paused workspace on attach: "resuming", then the screen', async () => {
    const windowId = await newWindow();
    const c = await ready(await attach(windowId));
    c.type('echo before-pause-$((2+2))\r');
    await c.waitForText('before-pause-4');
    c.close();
    const paused = await t.call(`/api/workspaces/${workspace.id}/pause`, {
      cookie: user.cookie,
      method: 'POST',
    });
    expect(paused.json.workspace.status).toBe('paused');
    const started = Date.now();
    const again = await attach(windowId);
    const status = await again.waitForMessage('status');
    expect(status).toMatchObject({ status: 'resuming' });
    const screen = await again.waitForMessage('screen', 0, 20_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(screen.data).toContain('before-pause-4');
    again.type('echo after-$((3+3))\r');
    await again.waitForText('after-6');
    const ws = await t.call(`/api/workspaces/${workspace.id}`, { cookie: user.cookie });
    expect(ws.json.workspace.status).toBe('running');
    again.close();
  });

  it('renames a window and tells every viewer of the workspace the new list', async () => {
    const windowId = await newWindow();
    const other = await newWindow();
    const viewer = await ready(await attach(other));
    const from = viewer.messages.length;
    const r = await t.call(`/api/workspaces/${workspace.id}/terminals/${windowId}`, {
      cookie: user.cookie,
      method: 'PATCH',
      body: { name: 'server logs' },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ windowId, name: 'server logs' });
    const msg = await viewer.waitFor(() =>
      viewer.messages
        .slice(from)
        .find(
          (m) =>
            m.type === 'windows' &&
            m.windows.some((w) => w.windowId === windowId && w.name === 'server logs'),
        ),
    );
    expect(msg).toBeTruthy();
    const list = await t.call(`/api/workspaces/${workspace.id}/terminals`, { cookie: user.cookie });
    expect(list.json.terminals.find((w: any) => w.windowId === windowId).name).toBe('server logs');

    const empty = await t.call(`/api/workspaces/${workspace.id}/terminals/${windowId}`, {
      cookie: user.cookie,
      method: 'PATCH',
      body: { name: '  ' },
    });
    expect(empty.status).toBe(400);
    const missing = await t.call(`/api/workspaces/${workspace.id}/terminals/${crypto.randomUUID()}`, {
      cookie: user.cookie,
      method: 'PATCH',
      body: { name: 'x' },
    });
    expect(missing.status).toBe(404);
    const stranger = await t.signUp();
    const theirs = await t.call(`/api/workspaces/${workspace.id}/terminals/${windowId}`, {
      cookie: stranger.cookie,
      method: 'PATCH',
      body: { name: 'mine now' },
    });
    expect(theirs.status).toBe(404);
    viewer.close();
  });

  it('lists and deletes windows; a deleted window closes its viewers with 4000', async () => {
    const windowId = await newWindow();
    const c = await ready(await attach(windowId));
    const list = await t.call(`/api/workspaces/${workspace.id}/terminals`, { cookie: user.cookie });
    expect(list.json.terminals.some((w: any) => w.windowId === windowId && w.viewers === 1)).toBe(true);
    const del = await t.call(`/api/workspaces/${workspace.id}/terminals/${windowId}`, {
      cookie: user.cookie,
      method: 'DELETE',
    });
    expect(del.status).toBe(204);
    await c.waitFor(() => c.closed);
    expect(c.closed?.code).toBe(4000);
  });
});
