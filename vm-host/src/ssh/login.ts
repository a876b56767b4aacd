import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VM_HOME, VM_WORKSPACE, type Isolation, type VmDirs } from '../sandbox';

/** The account an SSH session runs as: what sshd reads from passwd (name, home, login shell). */
export interface Login {
  name: string;
  home: string;
  shell: string;
}

export const ROOT_LOGIN: Login = { name: 'root', home: VM_HOME, shell: '/bin/bash' };

/**
 * `name` from the VM's own /etc/passwd, as Freestyle's gateway resolves `<vmId>+<linuxUser>`. Local VMs
 * run everything as root, so only uid-0 accounts (root and the product's per-grant aliases) log in;
 * unisolated VMs have no passwd of their own: root only.
 */
export function lookupLogin(dirs: VmDirs, isolation: Isolation, name: string): Login | undefined {
  if (name === 'root') return ROOT_LOGIN;
  if (isolation === 'none' || !existsSync(dirs.passwd)) return undefined;
  for (const line of readFileSync(dirs.passwd, 'utf8').split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || f[0] !== name) continue;
    if (f[2] !== '0') return undefined;
    return { name, home: f[5] || '/', shell: f[6] || '/bin/sh' };
  }
  return undefined;
}

/** The working directory sshd would start in: the home if it exists in the VM, else root's home. */
export function loginCwd(dirs: VmDirs, login: Login): string {
  const mounts: [string, string][] = [
    ['/run', dirs.run],
    [VM_HOME, dirs.home],
    [VM_WORKSPACE, dirs.workspace],
  ];
  for (const [vmPath, hostPath] of mounts) {
    if (login.home !== vmPath && !login.home.startsWith(`${vmPath}/`)) continue;
    return existsSync(join(hostPath, login.home.slice(vmPath.length))) ? login.home : VM_HOME;
  }
  return VM_HOME;
}
