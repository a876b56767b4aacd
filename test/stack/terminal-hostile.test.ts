import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack, type TestUser } from './harness';
import { TermClient } from './terminal-client';
import { MIN_TERMINAL_COLS, MIN_TERMINAL_ROWS } from '../../core/protocol';

// A hostile or broken viewer on a shared terminal: it must not slow the others, nor make the room
// answer every bad frame, nor shrink everyone's terminal to nothing.

let t: TestStack;
let user: TestUser;
let workspace: { id: string; organizationId: string };

beforeAll(async () => {
  t = await startTestStack();
  ({ user, workspace } = await t.runningWorkspace());
});
afterAll(async () => {
  await t?.stop();
});

const wsUrl = (path: string) => t.stack.url.replace(/^http/, 'ws') + path;

async function newWindow(): Promise<string> {
  const r = await t.call(`/api/workspaces/${workspace.id}/terminals`, { cookie: user.cookie, body: {} });
  expect(r.status).toBe(201);
  return r.json.windowId;
}

async function attach(windowId: string, cols = 80, rows = 24) {
  const c = await TermClient.open(
    wsUrl(`/api/workspaces/${workspace.id}/terminals/${windowId}?cols=${cols}&rows=${rows}`),
    { headers: { cookie: user.cookie, origin: t.stack.url }, autoAck: true },
  );
  await c.waitForMessage('screen', 0, 20_000);
  return c;
}

const errors = (c: TermClient, code: string) =>
  c.messages.filter((m) => m.type === 'error' && (m as { code?: string }).code === code);

describe('a hostile terminal viewer', () => {
  it('flooding with frames is told once, then closed with 1008; the other viewer keeps typing', async () => {
    const windowId = await newWindow();
    const victim = await attach(windowId);
    const flooder = await attach(windowId);
    // 5,000 frames a second for up to 4 s (bounded), until the room closes the socket.
    const until = Date.now() + 4_000;
    const sent = { frames: 0 };
    const tick = setInterval(() => {
      for (let i = 0; i < 50 && !flooder.closed && Date.now() < until; i++) {
        flooder.sendJson({ type: 'ping' });
        sent.frames++;
      }
    }, 10);
    try {
      await flooder.waitFor(() => flooder.closed, 8_000, 'the flooder to be closed');
    } finally {
      clearInterval(tick);
    }
    expect(flooder.closed?.code).toBe(1008);
    expect(errors(flooder, 'rate_limited')).toHaveLength(1);
    // Most of the flood was dropped, not answered.
    const pongs = flooder.messages.filter((m) => m.type === 'pong').length;
    expect(pongs).toBeLessThan(sent.frames / 2);
    victim.type('echo survived-$((6*7))\r');
    await victim.waitForText('survived-42');
    victim.close();
  });

  it('answers malformed frames a few times, then drops them in silence; the socket keeps working', async () => {
    const c = await attach(await newWindow());
    for (let i = 0; i < 20; i++) c.ws.send(`not json ${i}`);
    c.type('echo after-bad-$((2*5))\r');
    await c.waitForText('after-bad-10');
    expect(errors(c, 'bad_message').length).toBeGreaterThan(0);
    expect(errors(c, 'bad_message').length).toBeLessThanOrEqual(3);
    c.close();
  });

  it('does not let one viewer shrink the shared terminal below a usable size', async () => {
    const windowId = await newWindow();
    const big = await attach(windowId, 120, 40);
    const tiny = await attach(windowId, 2, 1);
    big.type('stty size\r');
    await big.waitForText(`${MIN_TERMINAL_ROWS} ${MIN_TERMINAL_COLS}`);
    tiny.resize(3, 2);
    big.type('clear; echo rows=$(tput lines) cols=$(tput cols)\r');
    await big.waitForText(`rows=${MIN_TERMINAL_ROWS} cols=${MIN_TERMINAL_COLS}`);
    tiny.close();
    big.close();
  });
});
