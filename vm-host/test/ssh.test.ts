import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVmClient, sshUserName, type VmClient } from '../../core/vm';
import { API_KEY, sleep, startTestHost, until, type TestHost } from './helpers';
import { interactiveSsh, run, sshOptions } from './ssh-client';

let host: TestHost;
let vm: VmClient;
let vmId: string;
let user: string;
let port: number;

/** An identity with a grant on `vmId` and a token: the SSH user name for it. */
async function credentials(id: string, expiresInSeconds?: number) {
  const identity = await vm.createIdentity();
  await vm.grantVmPermission(identity.id, { vmId: id });
  const token = await vm.createIdentityToken(identity.id, expiresInSeconds ? { expiresInSeconds } : {});
  return { identityId: identity.id, tokenId: token.id, user: sshUserName(id, token.token) };
}

const ssh = (u: string, ...cmd: string[]) => run('ssh', [...sshOptions(port, u), '127.0.0.1', ...cmd]);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  host = await startTestHost();
  port = host.sshPort!;
  vm = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
  vmId = (await vm.createVm()).id;
  user = (await credentials(vmId)).user;
});
afterAll(() => host.cleanup());

describe('SSH gateway with the OpenSSH client', () => {
  it('runs a command in the VM and returns its output and exit status', async () => {
    const r = await ssh(user, 'echo out; echo err >&2; cat /proc/1/cmdline >/dev/null; exit 3');
    expect(r).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    // The same sandbox as execs and terminals: the VM's home, its hostname.
    expect((await ssh(user, 'echo $HOME $(hostname)')).stdout).toBe(
      host.health().isolation === 'bubblewrap' ? '/root vm\n' : expect.any(String),
    );
  });

  it('gives an interactive shell on a terminal: type, read the screen, resize, exit', async () => {
    const t = interactiveSsh(port, user);
    t.type('echo $((6 * 7))x\r');
    await t.waitFor(/42x/);
    t.type('stty size\r');
    await t.waitFor(/30 100/);
    t.resize(120, 40);
    await sleep(100);
    t.type('stty size\r');
    await t.waitFor(/40 120/);
    t.type('exit 5\r');
    expect(await t.exited()).toEqual({ code: 5 });
  });

  it('copies a file in and out with scp (SFTP), byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scp-'));
    const data = randomBytes(3 * 1024 * 1024);
    writeFileSync(join(dir, 'in.bin'), data);
    const opts = [...sshOptions(port, user), '-q'];
    expect((await run('scp', [...opts, join(dir, 'in.bin'), '127.0.0.1:/tmp/copied.bin'])).code).toBe(0);
    expect((await ssh(user, 'sha256sum /tmp/copied.bin')).stdout.split(' ')[0]).toBe(sha256(data));
    expect((await run('scp', [...opts, '127.0.0.1:/tmp/copied.bin', join(dir, 'out.bin')])).code).toBe(0);
    expect(sha256(readFileSync(join(dir, 'out.bin')))).toBe(sha256(data));
  });

  it('forwards a local port to a server inside the VM (ssh -L)', async () => {
    const vmPort = 20000 + Math.floor(Math.random() * 20000);
    const server = spawn('ssh', [
      ...sshOptions(port, user),
      '127.0.0.1',
      `cd /tmp && echo hello-from-vm > hello.txt && exec python3 -m http.server ${vmPort} --bind 127.0.0.1`,
    ]);
    const local = await freePort();
    const tunnel = spawn('ssh', [
      ...sshOptions(port, user),
      '-N',
      '-L',
      `${local}:127.0.0.1:${vmPort}`,
      '127.0.0.1',
    ]);
    try {
      const body = await until(
        () =>
          fetch(`http://127.0.0.1:${local}/hello.txt`).then(
            (r) => (r.ok ? r.text() : undefined),
            () => undefined,
          ),
        'the forwarded server',
        15_000,
      );
      expect(body).toBe('hello-from-vm\n');
    } finally {
      tunnel.kill();
      server.kill();
    }
  });

  it('refuses a paused VM saying what resumes it, and serves it again once started', async () => {
    await vm.pauseVm(vmId);
    const r = await ssh(user, 'echo awake');
    expect(r.code).toBe(1);
    // Plain ssh cannot reach the product to resume it (docs/ssh.md): the refusal says what can.
    expect(r.stderr).toMatch(/workspace paused: run `cw ssh <workspace>` or Resume in the app/);
    await vm.startVm(vmId);
    expect((await ssh(user, 'echo awake')).stdout).toBe('awake\n');
  });
});

describe('SSH gateway refusals', () => {
  const refused = (r: { code: number | null; stderr: string }) => {
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Permission denied/);
  };

  it('refuses an unknown token, a malformed user and an unknown VM', async () => {
    refused(await ssh(sshUserName(vmId, 'not-a-token'), 'true'));
    refused(await ssh('root', 'true'));
    refused(await ssh(sshUserName('novm', user.split(':')[1]!), 'true'));
  });

  it('refuses a token for another VM', async () => {
    const other = (await vm.createVm()).id;
    const token = user.split(':')[1]!;
    refused(await ssh(sshUserName(other, token), 'true'));
    await vm.deleteVm(other);
  });

  it('refuses an expired token', async () => {
    const c = await credentials(vmId, 1);
    expect((await ssh(c.user, 'true')).code).toBe(0);
    await sleep(1100);
    refused(await ssh(c.user, 'true'));
  });

  it('refuses a revoked token and closes its open sessions', async () => {
    const c = await credentials(vmId);
    const t = interactiveSsh(port, c.user);
    t.type('echo in$((1+1))\r');
    await t.waitFor(/in2/);
    await vm.revokeIdentityToken(c.identityId, c.tokenId);
    await t.exited();
    refused(await ssh(c.user, 'true'));
  });

  it('refuses once the identity is deleted or its grant revoked', async () => {
    const a = await credentials(vmId);
    await vm.revokeVmPermission(a.identityId, vmId);
    refused(await ssh(a.user, 'true'));
    const b = await credentials(vmId);
    await vm.deleteIdentity(b.identityId);
    refused(await ssh(b.user, 'true'));
  });

  it('admits only the Linux users of the grant', async () => {
    const identity = await vm.createIdentity();
    await vm.grantVmPermission(identity.id, { vmId, allowedLinuxUsers: ['dev'] });
    const { token } = await vm.createIdentityToken(identity.id);
    refused(await ssh(sshUserName(vmId, token), 'true'));
    refused(await ssh(sshUserName(vmId, token, 'dev'), 'true')); // local VMs have only root
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}
