import { readFileSync, readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createVmClient } from '../../core/vm';
import { freePort } from '../../scripts/local/ports';
import { findUserWorker, isOurWorker } from '../../scripts/local/worker-direct';
import { startTestStack } from './harness';

let t: Awaited<ReturnType<typeof startTestStack>>;
let inspectorPort: number;
beforeAll(async () => {
  inspectorPort = await freePort();
  t = await startTestStack({ inspectorPort });
});
afterAll(() => t?.stop());

const portOf = (url: string) => Number(new URL(url).port);
const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      resolve(true);
      s.destroy();
    });
    s.once('error', () => resolve(false));
  });

it("from inside a VM, the host's Postgres, VM host, workerd (both ports, and the relay past its dev proxy), its inspector and the Postgres proxy are unreachable", async () => {
  const vms = createVmClient({ baseUrl: t.stack.vmHostUrl, apiKey: t.stack.vmHostApiKey });
  const vm = await vms.createVm();
  // The relay forwards any request byte for byte to the Worker's own workerd, past wrangler's proxy:
  // only processes of this machine may reach it, as they may reach that workerd port itself.
  const direct = await findUserWorker(portOf(t.stack.url), isOurWorker);
  expect(direct).not.toBeNull();
  const targets = {
    postgres: portOf(t.stack.databaseUrl),
    vmHost: portOf(t.stack.vmHostUrl),
    vmHostForward: portOf(t.stack.vmHostForwardUrl),
    workerd: portOf(t.stack.url),
    workerdDirect: portOf(direct!),
    workerRelay: portOf(t.stack.relayUrl),
    inspector: inspectorPort,
    pgWsProxy: Number(t.stack.pgWsProxy.split(':')[1]),
  };
  // Each is open from here (the host) ...
  for (const port of Object.values(targets)) await expect(canConnect(port)).resolves.toBe(true);
  const command = Object.entries(targets)
    .map(
      ([name, port]) =>
        `for a in 127.0.0.1 10.0.2.2; do timeout 3 bash -c "exec 3<>/dev/tcp/$a/${port}" 2>/dev/null && echo "${name} $a open"; done`,
    )
    .join('; ');
  const r = await vms.exec(vm.id, { command: `${command}; echo done` });
  // ... and none from inside the VM.
  expect(r.stdout).toBe('done\n');
  await vms.deleteVm(vm.id);
});

it('the embedded Postgres has a random password, not the well-known one', async () => {
  const url = new URL(t.stack.databaseUrl);
  expect(url.password).toMatch(/^[0-9a-f]{48}$/);
  url.password = 'postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await expect(client.connect()).rejects.toMatchObject({ code: '28P01' });
  await client.end().catch(() => undefined);
});

it('the local secrets reach wrangler in a file only the user can read, not on a command line', () => {
  const secrets = [t.stack.vmHostApiKey, new URL(t.stack.databaseUrl).password];
  const commandLines = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ');
      } catch {
        return '';
      }
    });
  const wrangler = commandLines.filter(
    (c) => c.includes('wrangler') && c.includes(`--port ${portOf(t.stack.url)}`),
  );
  expect(wrangler.length).toBeGreaterThan(0);
  for (const line of commandLines) for (const s of secrets) expect(line).not.toContain(s);
  const envFile = /--env-file (\S+)/.exec(wrangler[0]!)![1]!;
  expect(statSync(envFile).mode & 0o777).toBe(0o600);
  expect(readFileSync(envFile, 'utf8')).toContain(t.stack.vmHostApiKey);
  expect(statSync(join(envFile, '..', 'secrets.json')).mode & 0o777).toBe(0o600);
});
