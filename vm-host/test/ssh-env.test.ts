import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNISOLATED_EXIT, newSshLinuxUser, sshGrantsScript } from '../../core/ssh-env';
import { createVmClient, sshUserName, type VmClient } from '../../core/vm';
import { API_KEY, argvHolding, startTestHost, until, type TestHost } from './helpers';
import { interactiveSsh, run, sshOptions } from './ssh-client';

// The product's per-grant Linux users (core/ssh-env.ts) on the local VM host: written through exec with
// stdin, admitted by the gateway only for the identity granted that user, their login shell sourcing
// the grant's file from the VM's /run (never its disk, so never a snapshot).

let host: TestHost;
let vm: VmClient;
let vmId: string;
let port: number;
const lines: string[] = [];

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ssh = (u: string, ...cmd: string[]) => run('ssh', [...sshOptions(port, u), '127.0.0.1', ...cmd]);
const vmDir = (id: string) => join(host.dataDir, 'vms', id);

/** Installs a grant's user with `env` (through exec's stdin) and an identity allowed only that user. */
async function grant(env: Record<string, string>, keep: string[] = []) {
  const linuxUser = newSshLinuxUser();
  const script = Object.entries(env)
    .map(([k, v]) => `export ${k}='${v.replace(/'/g, `'\\''`)}'\n`)
    .join('');
  const r = await vm.exec(vmId, { command: sshGrantsScript(keep, linuxUser), stdin: b64(script) });
  expect(r, r.stderr ?? '').toMatchObject({ statusCode: 0 });
  const identity = await vm.createIdentity();
  await vm.grantVmPermission(identity.id, { vmId, allowedLinuxUsers: [linuxUser] });
  const { token } = await vm.createIdentityToken(identity.id);
  return { linuxUser, identityId: identity.id, token, user: sshUserName(vmId, token, linuxUser) };
}

beforeAll(async () => {
  host = await startTestHost({ log: (l) => lines.push(l) });
  port = host.sshPort!;
  vm = createVmClient({ baseUrl: host.url, apiKey: API_KEY });
  vmId = (await vm.createVm()).id;
});
afterAll(() => host.cleanup());

describe.skipIf(process.getuid?.() !== 0)('SSH sessions of a per-grant Linux user', () => {
  it('get the grant environment in commands and interactive shells, as root in root`s home', async () => {
    const secret = `s3cr3t-${randomBytes(6).toString('hex')} it's "quoted" $HOME`;
    const a = await grant({ MINE: secret, GREETING: 'hi' });
    const r = await ssh(a.user, 'printf "%s|" "$MINE" "$GREETING" "$(id -u)" "$HOME" "$USER" "$PWD"');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${secret}|hi|0|/root|root|/root|`);

    const t = interactiveSsh(port, a.user);
    t.type('echo "[$GREETING:$(whoami):$(shopt -q login_shell && echo login)]"\r');
    await t.waitFor(/\[hi:root:login\]/);
    t.type('exit\r');
    await t.exited();

    // The file: 0600 under the VM's /run (outside its disk), the shell 0700, /run/cw-ssh 0700.
    const dir = join(vmDir(vmId), 'run', 'cw-ssh');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, a.linuxUser, 'env')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(vmDir(vmId), 'disk', 'etc', 'passwd'), 'utf8')).toContain(
      `${a.linuxUser}:x:0:0:`,
    );
    // Not in the host's own passwd: the VM has its own.
    expect(readFileSync('/etc/passwd', 'utf8')).not.toContain(a.linuxUser);
  });

  it('admits a token only as its own grant user; another grant sees only its own values', async () => {
    const a = await grant({ MINE: 'value-of-a' });
    const b = await grant({ MINE: 'value-of-b' }, [a.linuxUser]);
    expect((await ssh(b.user, 'echo "$MINE"')).stdout).toBe('value-of-b\n');
    expect((await ssh(a.user, 'echo "$MINE"')).stdout).toBe('value-of-a\n');
    // b's token as a's user, or as root: refused.
    for (const u of [sshUserName(vmId, b.token, a.linuxUser), sshUserName(vmId, b.token)]) {
      const refused = await ssh(u, 'true');
      expect(refused.code).toBe(255);
      expect(refused.stderr).toMatch(/Permission denied/);
    }
    // Another grant's file is root's only: nothing but root runs in a local VM, so the gate is the
    // gateway's (allowedLinuxUsers), checked above.
  });

  it('leaves sftp and scp as they were', async () => {
    const a = await grant({ MINE: 'x' });
    const src = join(mkdtempSync(join(tmpdir(), 'ssh-env-')), 'f.bin');
    const data = randomBytes(200_000);
    writeFileSync(src, data);
    const opts = sshOptions(port, a.user);
    expect((await run('scp', [...opts, src, '127.0.0.1:copied.bin'])).code).toBe(0);
    expect(readFileSync(join(vmDir(vmId), 'disk', 'root', 'copied.bin')).equals(data)).toBe(true);
    const back = `${src}.back`;
    expect((await run('scp', [...opts, '127.0.0.1:/root/copied.bin', back])).code).toBe(0);
    expect(readFileSync(back).equals(data)).toBe(true);
    const sftp = await run('sh', [
      '-c',
      `echo 'ls /root' | sftp -b - ${opts.map((o) => `'${o}'`).join(' ')} 127.0.0.1`,
    ]);
    expect(sftp.stdout).toContain('copied.bin');
  });

  it('removes the files and passwd lines of grants not kept, and keeps none in a snapshot', async () => {
    const a = await grant({ MINE: 'kept' });
    const b = await grant({ MINE: 'dropped' }, [a.linuxUser]);
    const snap = await vm.snapshotVm(vmId);
    const snapDisk = join(host.dataDir, 'snapshots', snap.snapshotId, 'disk');
    // The snapshot is a copy of the disk: /run (the values) is not on it.
    const grep = () => {
      try {
        return execFileSync('grep', ['-rl', 'dropped', snapDisk], { encoding: 'utf8' });
      } catch {
        return ''; // grep's exit 1: nothing found
      }
    };
    expect(grep()).toBe('');

    expect((await vm.exec(vmId, { command: sshGrantsScript([a.linuxUser]) })).statusCode).toBe(0);
    const run_ = join(vmDir(vmId), 'run', 'cw-ssh');
    expect(existsSync(join(run_, b.linuxUser))).toBe(false);
    expect(existsSync(join(run_, a.linuxUser, 'env'))).toBe(true);
    const passwd = readFileSync(join(vmDir(vmId), 'disk', 'etc', 'passwd'), 'utf8');
    expect(passwd).not.toContain(b.linuxUser);
    expect(passwd).toContain(a.linuxUser);
    expect(passwd).toMatch(/^root:x:0:0:/m);
    const refused = await ssh(b.user, 'true');
    expect(refused.stderr).toMatch(/Permission denied/);
    expect((await ssh(a.user, 'echo "$MINE"')).stdout).toBe('kept\n');

    expect((await vm.exec(vmId, { command: sshGrantsScript([]) })).statusCode).toBe(0);
    expect(readdirSync(run_).filter((f) => f.startsWith('cw-ssh-'))).toEqual([]);
  });

  it('starts /run empty at each boot, so a restarted VM keeps no values', async () => {
    const id = (await vm.createVm()).id;
    const linuxUser = newSshLinuxUser();
    const r = await vm.exec(id, {
      command: sshGrantsScript([], linuxUser),
      stdin: b64("export MINE='boot'\n"),
    });
    expect(r.statusCode).toBe(0);
    expect(existsSync(join(vmDir(id), 'run', 'cw-ssh', linuxUser, 'env'))).toBe(true);
    await vm.stopVm(id);
    await vm.startVm(id);
    await until(() => !existsSync(join(vmDir(id), 'run', 'cw-ssh')), 'run emptied');
  });

  it('puts no value in the host`s logs or any process argv while a session is open', async () => {
    const secret = `argv-probe-${randomBytes(8).toString('hex')}`;
    const a = await grant({ PROBE: secret });
    const t = interactiveSsh(port, a.user);
    t.type('echo "ready-${#PROBE}"; sleep 30\r');
    await t.waitFor(/ready-\d+/);
    expect(argvHolding(secret)).toEqual([]);
    t.kill();
    expect(lines.join('\n')).not.toContain(secret);
  });

  it('writes nothing on a host that runs VMs unisolated (its /etc and /run are the host`s)', async () => {
    const degraded = await startTestHost({ isolation: 'none', sshPort: null });
    try {
      const c = createVmClient({ baseUrl: degraded.url, apiKey: API_KEY });
      const id = (await c.createVm()).id;
      const passwd = readFileSync('/etc/passwd', 'utf8');
      const linuxUser = newSshLinuxUser();
      const r = await c.exec(id, { command: sshGrantsScript([], linuxUser), stdin: b64("export X='y'\n") });
      expect(r.statusCode).toBe(UNISOLATED_EXIT);
      expect(readFileSync('/etc/passwd', 'utf8')).toBe(passwd);
      expect(existsSync(`/run/cw-ssh/${linuxUser}`)).toBe(false);
    } finally {
      await degraded.cleanup();
    }
  });
});
