import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ConnectError, Connector } from './connector';

/** `slirp4netns`: each VM has its own network namespace; `host`: VMs share the host's network. */
export type NetworkMode = 'slirp4netns' | 'host';

/** slirp4netns exists and bwrap can make a network namespace here. */
export function detectNetwork(): NetworkMode {
  const slirp = spawnSync('slirp4netns', ['--version'], { stdio: 'ignore', timeout: 5000 });
  if (slirp.status !== 0) return 'host';
  const bwrap = spawnSync('bwrap', ['--ro-bind', '/', '/', '--unshare-net', '--', '/bin/true'], {
    stdio: 'ignore',
    timeout: 5000,
  });
  return bwrap.status === 0 ? 'slirp4netns' : 'host';
}

/** The host's own non-loopback IPv4 addresses: slirp would reach host services bound to them. */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
}

function readUntil(child: ChildProcess, fd: number, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const stream = child.stdio[fd] as NodeJS.ReadableStream;
    const timer = setTimeout(() => finish(new Error(`no answer on fd ${fd}`)), 10_000);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      if (err) reject(err);
      else resolve(text);
    };
    stream.on('data', (c: Buffer) => {
      text += c.toString();
      if (done(text)) finish();
    });
    child.once('exit', (code) => finish(new Error(`exited with ${code} before it was ready`)));
  });
}

async function execed(pid: number, comm: string, why: () => string) {
  for (let i = 0; i < 1000; i++) {
    let now: string;
    try {
      now = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      throw new Error(`the namespace holder exited: ${why().trim()}`);
    }
    if (now === comm) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('the namespace holder did not start');
}

/**
 * A VM's own network namespace, held by a sleeping "init" process for as long as the VM runs; every exec
 * and PTY joins it with `nsenter`. slirp4netns gives it outbound access (10.0.2.100, gateway 10.0.2.2)
 * with the host's loopback out of reach; routes `prohibit` the host's own addresses too.
 */
export class VmNetwork {
  private init: ChildProcess | undefined;
  private slirp: ChildProcess | undefined;
  private connector: Connector | undefined;
  private booting: Promise<void> | undefined;
  private ready = false;

  constructor(
    readonly mode: NetworkMode,
    private readonly log: (line: string) => void,
  ) {}

  /** The pid whose namespace the VM lives in; undefined while down (or in host mode). */
  get pid(): number | undefined {
    return this.initPid;
  }
  private initPid: number | undefined;

  /** Arguments that run a command inside the namespace; empty in host mode. */
  enter(): string[] {
    if (this.mode === 'host') return [];
    if (this.initPid === undefined) throw new Error('VM network is not up');
    return ['nsenter', `--net=/proc/${this.initPid}/ns/net`, '--'];
  }

  /** Idempotent: makes the namespace and its user-mode network. */
  up(): Promise<void> {
    if (this.mode === 'host') return Promise.resolve();
    this.booting ??= this.bootWithRetries();
    return this.booting;
  }

  // bwrap's loopback setup fails now and then when many namespaces are made at once
  // ("Failed RTM_NEWADDR"); a second attempt succeeds.
  private async bootWithRetries() {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.boot();
      } catch (err) {
        this.stopProcesses();
        if (attempt >= 3) {
          this.booting = undefined;
          throw err;
        }
      }
    }
  }

  private async boot() {
    // --die-with-parent: the namespace goes with the VM host, as a VM's processes do.
    const init = spawn(
      'bwrap',
      [
        '--unshare-net',
        '--ro-bind',
        '/',
        '/',
        '--die-with-parent',
        '--info-fd',
        '3',
        '--',
        '/bin/sleep',
        'infinity',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
    );
    this.init = init;
    let initErr = '';
    init.stderr!.on('data', (c: Buffer) => (initErr = (initErr + c.toString()).slice(-2000)));
    init.on('exit', () => {
      if (this.init !== init || !this.ready) return;
      this.log(`[vm-host] a VM's network namespace holder exited; it is remade on the next start`);
      this.down();
    });
    const info = JSON.parse(await readUntil(init, 3, (t) => t.includes('}'))) as { 'child-pid': number };
    this.initPid = info['child-pid'];
    // bwrap reports the pid before the child has set up its loopback (which can fail): wait for the exec.
    await execed(this.initPid, 'sleep', () => initErr);

    // --exit-fd: slirp4netns ends when this pipe closes, i.e. when the VM host dies.
    const slirp = spawn(
      'slirp4netns',
      [
        '--configure',
        '--mtu=65520',
        '--disable-host-loopback',
        '--enable-seccomp',
        '--ready-fd=3',
        '--exit-fd=4',
        String(this.initPid),
        'tap0',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    this.slirp = slirp;
    let stderr = '';
    slirp.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
    try {
      await readUntil(slirp, 3, (t) => t.includes('1'));
    } catch (e) {
      throw new Error(`slirp4netns did not start: ${(e as Error).message} ${stderr.trim()}`);
    }
    for (const addr of hostAddresses()) {
      const r = spawnSync('nsenter', [...this.enter(), 'ip', 'route', 'add', 'prohibit', `${addr}/32`]);
      if (r.status !== 0) throw new Error(`could not block host address ${addr}: ${r.stderr} ${initErr}`);
    }
    if (init.exitCode !== null || init.signalCode !== null)
      throw new Error(`the namespace holder exited: ${initErr.trim()}`);
    this.ready = true;
  }

  /** A socket connected to `port` on the VM's loopback (the host's in host mode). */
  async connect(port: number): Promise<Socket> {
    if (this.mode === 'host') {
      return new Promise((ok, fail) => {
        const s = connect({ port, host: '127.0.0.1' });
        s.once('connect', () => ok(s));
        s.once('error', (e: NodeJS.ErrnoException) => fail(new ConnectError(port, e.code ?? 'ERROR')));
      });
    }
    await this.up();
    this.connector ??= new Connector(this.enter());
    return this.connector.connect(port);
  }

  /** Ends the namespace (the VM's processes are already gone). */
  down() {
    this.stopProcesses();
    this.booting = undefined;
  }

  private stopProcesses() {
    this.ready = false;
    this.connector?.close();
    this.slirp?.kill('SIGKILL');
    this.init?.kill('SIGKILL');
    this.connector = this.slirp = this.init = undefined;
    this.initPid = undefined;
  }
}
