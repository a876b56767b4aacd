import type { TestStack, TestUser } from '../test/stack/harness';
import { Group } from './groups';
import { sleep } from './stats';

/** One running workspace's terminal sockets, as the bench's sections open them. */
export interface Terminals {
  t: TestStack;
  user: TestUser;
  workspaceId: string;
  /** The browser's headers on the product's terminal socket. */
  headers: Record<string, string>;
  newWindow(): Promise<string>;
  /** The product path: client -> Worker -> room -> VM host PTY. */
  pathUrl(windowId: string): string;
  /** The baseline: a fresh PTY straight on the VM host, with `baseHeaders`. */
  baseUrl(): string;
  baseHeaders: Record<string, string>;
  settle(): Promise<void>;
  /** A viewer group in a child process, closed by the bench at the end whatever happens. */
  group(url: string, headers: Record<string, string>, count: number, acks: boolean): Promise<Group>;
}

export function terminals(
  t: TestStack,
  user: TestUser,
  workspace: { id: string; freestyleVmId: string },
  groups: Group[],
): Terminals {
  const wsBase = t.stack.url.replace(/^http/, 'ws');
  let baseNo = 0;
  return {
    t,
    user,
    workspaceId: workspace.id,
    headers: { cookie: user.cookie, origin: t.stack.url },
    newWindow: async () =>
      (await t.call(`/api/workspaces/${workspace.id}/terminals`, { cookie: user.cookie, body: {} })).json
        .windowId as string,
    pathUrl: (w) => `${wsBase}/api/workspaces/${workspace.id}/terminals/${w}?cols=200&rows=50`,
    baseUrl: () =>
      `${t.stack.vmHostUrl.replace(/^http/, 'ws')}/v5/vms/${workspace.freestyleVmId}/pty?slug=bench-base-${++baseNo}&cols=200&rows=50`,
    baseHeaders: { Authorization: `Bearer ${t.stack.vmHostApiKey}` },
    settle: () => sleep(1000),
    group: async (url, h, count, acks) => {
      const g = await Group.start(url, h, count, acks);
      groups.push(g);
      return g;
    },
  };
}
