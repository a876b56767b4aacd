import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createVmClient, type VmClient } from '../../core/vm';
import { API_KEY, PtyClient, sleep, startTestHost, until, type TestHost } from './helpers';

let host: TestHost;
let c: VmClient;
beforeAll(async () => {
  host = await startTestHost();
  c = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
});
afterAll(() => host?.cleanup());

const open = (vmId: string, opts: Parameters<VmClient['ptyRequest']>[1] = {}) => {
  const { url, headers } = c.ptyRequest(vmId, opts);
  return PtyClient.open(url, headers);
};
const attach = (vmId: string, session: string | number) => {
  const { url, headers } = c.ptyAttachRequest(vmId, session);
  return PtyClient.open(url, headers);
};

it('a session outlives its socket; reattach by slug replays retained output; open with the slug gets it back', async () => {
  const vm = await c.createVm();
  const first = await open(vm.id, { slug: 'main' });
  expect(first.info).toMatchObject({ sessionId: 1, slug: 'main', created: true });
  first.write('echo one-$((40+2))\r');
  await first.waitFor('one-42');
  first.close();
  await until(() => first.closeCode !== undefined, 'detach');

  const again = await attach(vm.id, 'main');
  expect(again.info).toMatchObject({ sessionId: 1, slug: 'main', created: false });
  await again.waitFor('one-42'); // replayed
  again.write('echo two-$((40+3))\r');
  await again.waitFor('two-43');

  const byOpen = await open(vm.id, { slug: 'main', exec: 'echo never-run' });
  expect(byOpen.info).toMatchObject({ sessionId: 1, created: false });
  await byOpen.waitFor('two-43');

  const byId = await attach(vm.id, 1);
  await byId.waitFor('two-43');
  expect((await c.listPtySessions(vm.id)).sessions).toEqual([
    expect.objectContaining({ sessionId: 1, slug: 'main', state: 'running', cols: 80, rows: 24 }),
  ]);
  for (const s of [again, byOpen, byId]) s.close();
});

it('fans output out to every socket of a session and takes input from any', async () => {
  const vm = await c.createVm();
  const a = await open(vm.id, { slug: 'shared' });
  const b = await attach(vm.id, 'shared');
  b.write('echo from-b-$((1+1))\r');
  await a.waitFor('from-b-2');
  await b.waitFor('from-b-2');
  a.write('echo from-a-$((2+2))\r');
  await a.waitFor('from-a-4');
  await b.waitFor('from-a-4');
  a.close();
  b.close();
});

it('resize, sigint, exit and kill', async () => {
  const vm = await c.createVm();
  const s = await open(vm.id, { cols: 90, rows: 20 });
  s.write('stty size\r');
  await s.waitFor('20 90');
  s.control({ type: 'resize', cols: 132, rows: 43 });
  await until(async () => (await c.listPtySessions(vm.id)).sessions[0]?.cols === 132, 'resize recorded');
  s.write('stty size\r');
  await s.waitFor('43 132');

  s.write('sleep 100; echo after-$((1))-sleep\r');
  await sleep(300);
  s.control({ type: 'signal', signal: 'sigint' });
  s.write('echo status=$?\r');
  await s.waitFor('status=130');
  expect(s.text).not.toContain('after-1-sleep');

  s.control({ type: 'bogus' });
  await until(() => s.messages.some((m) => m.type === 'error'), 'error frame for a bad control message');

  s.write('exit 3\r');
  await until(() => s.messages.some((m) => m.type === 'exited'), 'exited frame');
  expect(s.messages.find((m) => m.type === 'exited')).toEqual({ type: 'exited', exitCode: 3 });
  await until(() => s.closeCode === 1000, 'closed after exit');
  expect((await c.listPtySessions(vm.id)).sessions[0]).toMatchObject({
    state: 'exited',
    exitCode: 3,
    slug: null,
  });

  const k = await open(vm.id, { slug: 'tokill' });
  expect(await c.killPtySession(vm.id, 'tokill')).toEqual({ sessionId: k.info!.sessionId });
  await until(() => k.closeCode !== undefined, 'socket closed on kill');
  await expect(c.killPtySession(vm.id, 'tokill')).rejects.toMatchObject({ status: 404 });

  const kk = await open(vm.id);
  kk.control({ type: 'signal', signal: 'sigkill' });
  await until(() => kk.messages.some((m) => m.type === 'exited'), 'exited after sigkill');
});

it('replaceOnExit respawns the shell in place', async () => {
  const vm = await c.createVm();
  const s = await open(vm.id, { slug: 'respawn', replaceOnExit: true });
  s.write('echo first-$((1))\r');
  await s.waitFor('first-1');
  s.write('exit\r');
  await sleep(300);
  s.write('echo second-$((2))\r');
  await s.waitFor('second-2');
  expect(s.messages.some((m) => m.type === 'exited')).toBe(false);
  s.close();
});

it('refuses bad upgrades with a plain HTTP status', async () => {
  const vm = await c.createVm();
  const statusOf = (p: Promise<unknown>) =>
    p.then(
      () => 101,
      (e: { status?: number }) => e.status,
    );
  expect(await statusOf(PtyClient.open(c.ptyRequest('nope').url, c.ptyRequest('nope').headers))).toBe(404);
  expect(await statusOf(attach(vm.id, 'missing'))).toBe(404);
  expect(await statusOf(open(vm.id, { slug: '123' }))).toBe(400);
  expect(await statusOf(open(vm.id, { cols: 0 }))).toBe(400);
});

function hostPidsWith(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

it('a flood with one stalled socket stays bounded in memory, and Ctrl-C still stops it', async () => {
  const vm = await c.createVm();
  const reader = await open(vm.id, { slug: 'flood' });
  const stalled = await attach(vm.id, 'flood');
  stalled.ws.pause(); // never reads again: its TCP window fills, then its bufferedAmount grows on the server
  const marker = `flood${Math.random().toString(36).slice(2, 8)}`;
  const rss0 = process.memoryUsage().rss;
  reader.write(`yes ${marker}-payload-payload-payload-payload-payload\r`);
  await until(() => hostPidsWith(`${marker}-payload`).length > 0, 'yes running');
  await sleep(3000);
  const rss1 = process.memoryUsage().rss;
  const session = host.manager.get(vm.id).sessions.find('flood')!;
  expect(session.isReadingPaused).toBe(true);
  // The stalled socket holds at most ~1 MiB over the high-water mark plus one batch; nothing grows without bound.
  expect(rss1 - rss0).toBeLessThan(96 * 1024 * 1024);

  reader.write('\x03');
  await until(() => hostPidsWith(`${marker}-payload`).length === 0, 'yes stopped by Ctrl-C');
  stalled.ws.resume();
  reader.write('echo done-$((6*7))\r');
  await reader.waitFor('done-42', 15_000);
  reader.close();
  stalled.close();
});
