import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import { dirname } from 'node:path';

export type Isolation = 'bubblewrap' | 'none';

/** Fixed paths inside every VM (the same on Freestyle: root's home, and where the product clones). */
export const VM_HOME = '/root';
export const VM_WORKSPACE = '/workspace';

/** A VM's own writable directories on the host. */
export interface VmDirs {
  home: string;
  workspace: string;
  tmp: string;
  /** The VM's /etc/passwd (a copy of the host's made on first use; SSH grants add users to it). */
  passwd: string;
  /** The VM's /run: emptied at each boot, not on the disk snapshots copy. */
  run: string;
}

/** Makes the VM's passwd and /run exist (VMs made before they did get them on their next spawn). */
export function ensureVmFiles(dirs: VmDirs) {
  if (!existsSync(dirs.run)) mkdirSync(dirs.run, { recursive: true, mode: 0o755 });
  if (existsSync(dirs.passwd)) return;
  mkdirSync(dirname(dirs.passwd), { recursive: true, mode: 0o755 });
  copyFileSync('/etc/passwd', dirs.passwd);
}

export interface SpawnSpec {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/** True when bwrap exists and can make namespaces here (it cannot in some containers). */
export function detectIsolation(): Isolation {
  const r = spawnSync(
    'bwrap',
    ['--ro-bind', '/', '/', '--unshare-all', '--share-net', '--die-with-parent', '--', '/bin/true'],
    { stdio: 'ignore', timeout: 5000 },
  );
  return r.status === 0 ? 'bubblewrap' : 'none';
}

// The system, read-only. Not /root, /home, /opt, /var, /run or /work: host data and secrets live there.
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc'];
const SECRET_FILES = ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-', '/etc/sudoers'];
const SECRET_DIRS = ['/etc/ssl/private', '/etc/sudoers.d'];

function systemArgs(): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue;
    const st = lstatSync(dir);
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else args.push('--ro-bind', dir, dir);
  }
  const sshKeys = existsSync('/etc/ssh')
    ? readdirSync('/etc/ssh')
        .filter((f) => f.startsWith('ssh_host_') && !f.endsWith('.pub'))
        .map((f) => `/etc/ssh/${f}`)
    : [];
  for (const f of [...SECRET_FILES, ...sshKeys]) if (existsSync(f)) args.push('--ro-bind', '/dev/null', f);
  for (const d of SECRET_DIRS) if (existsSync(d)) args.push('--tmpfs', d);
  return args;
}

let cachedSystemArgs: string[] | undefined;

/** The environment every VM process gets: nothing of the host's, plus what the request asked for. */
export function vmEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: home,
    USER: 'root',
    LOGNAME: 'root',
    SHELL: '/bin/bash',
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    ...extra,
  };
}

export interface SandboxOptions {
  isolation: Isolation;
  dirs: VmDirs;
  readonlyPaths: string[];
  /** cgroup.procs files the process joins before anything runs. */
  cgroupProcs: string[];
  argv: string[];
  env?: Record<string, string>;
  /** Working directory inside the VM (default: the VM's home). */
  cwd?: string;
  /** A command prefix that enters the VM's network namespace (`nsenter --net=...`); none shares the host's. */
  enterNetwork?: string[];
}

// Joins the VM's cgroups, then execs the sandbox, so every descendant is in them from the start.
const JOIN_CGROUPS =
  'for f in $VMHOST_CG; do { echo $$ > "$f"; } 2>/dev/null; done; unset VMHOST_CG; exec "$@"';

/** How to spawn `argv` inside a VM: bwrap when available, else a plain process in the VM's directory. */
export function sandboxSpawn(o: SandboxOptions): SpawnSpec {
  let spec: SpawnSpec;
  if (o.isolation === 'bubblewrap') {
    ensureVmFiles(o.dirs);
    cachedSystemArgs ??= systemArgs();
    const args = [
      '--unshare-all',
      '--share-net',
      '--die-with-parent',
      '--cap-drop',
      'ALL',
      '--hostname',
      'vm',
      ...cachedSystemArgs,
      '--bind',
      o.dirs.home,
      VM_HOME,
      '--bind',
      o.dirs.workspace,
      VM_WORKSPACE,
      '--bind',
      o.dirs.tmp,
      '/tmp',
      '--bind',
      o.dirs.run,
      '/run',
      '--bind',
      o.dirs.passwd,
      '/etc/passwd',
      '--dir',
      '/var/tmp',
      '--dev',
      '/dev',
      '--proc',
      '/proc',
    ];
    for (const p of o.readonlyPaths) if (existsSync(p)) args.push('--ro-bind', p, p);
    // The request's env goes in with --setenv, never into bwrap's own env (LD_PRELOAD would run on the host).
    args.push('--clearenv');
    for (const [k, v] of Object.entries(vmEnv(VM_HOME, o.env))) args.push('--setenv', k, v);
    args.push('--chdir', o.cwd ?? VM_HOME, '--', ...o.argv);
    // --share-net keeps the namespace bwrap starts in: the VM's own when enterNetwork put it there.
    const [file, ...prefix] = [...(o.enterNetwork ?? []), 'bwrap'];
    spec = { file: file!, args: [...prefix, ...args], env: { PATH: vmEnv(VM_HOME).PATH! }, cwd: '/' };
  } else {
    // Degraded: no namespaces. Paths inside the VM are its host directories.
    const cwd = o.cwd === VM_WORKSPACE ? o.dirs.workspace : o.dirs.home;
    // VMHOST_UNISOLATED tells the product's scripts that /etc and /run here are the host's own.
    const env = { ...vmEnv(o.dirs.home, o.env), VMHOST_UNISOLATED: '1' };
    spec = { file: o.argv[0]!, args: o.argv.slice(1), env, cwd };
  }
  if (o.cgroupProcs.length === 0) return spec;
  return {
    file: '/bin/sh',
    args: ['-c', JOIN_CGROUPS, 'vm-sandbox', spec.file, ...spec.args],
    env: { ...spec.env, VMHOST_CG: o.cgroupProcs.join(' ') },
    cwd: spec.cwd,
  };
}
