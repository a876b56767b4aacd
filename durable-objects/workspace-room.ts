import { DurableObject } from 'cloudflare:workers';
import type { WorkspaceAction } from '../core/workspace-state';
import type { Bindings } from '../worker/env';
import type { WorkspaceRow } from '../worker/data/workspaces';
import { createRoomDeps, type RoomDeps } from './room/context';
import { Lock } from './room/lock';
import { setTimer, takeDueTimers } from './room/timers';
import { deleteWorkspaceAndVm, runTransition, SYSTEM, type Actor } from './room/lifecycle';
import { provisionAttempt, PROVISION_TIMER } from './room/provisioning';
import type { RoomResult } from './room/results';
import { pullIfPending, PULL_TIMER, runPull, schedulePull, type PullRunResult } from './room/pull';

/**
 * One per workspace, addressed by its id. Serialises the workspace's lifecycle (so Postgres and the VM
 * agree), runs provisioning on its alarm, and relays terminals. Logic lives in ./room/*.
 */
export class WorkspaceRoom extends DurableObject<Bindings> {
  private readonly lock = new Lock();
  private deps?: RoomDeps;

  private get room(): RoomDeps {
    this.deps ??= createRoomDeps(this.ctx.storage, this.env);
    return this.deps;
  }

  private async remember(workspaceId: string) {
    if ((await this.ctx.storage.get('workspaceId')) !== workspaceId) {
      await this.ctx.storage.put('workspaceId', workspaceId);
    }
  }

  private workspaceId(): Promise<string | undefined> {
    return this.ctx.storage.get<string>('workspaceId');
  }

  /** Starts provisioning on the alarm, so the request that created the workspace answers at once. */
  async provision(workspaceId: string): Promise<void> {
    await this.remember(workspaceId);
    await setTimer(this.ctx.storage, PROVISION_TIMER, Date.now());
  }

  async transition(
    workspaceId: string,
    action: WorkspaceAction,
    actor: Actor,
    detail?: Record<string, unknown>,
  ): Promise<RoomResult> {
    await this.remember(workspaceId);
    const result = await this.lock.run(() => runTransition(this.room, workspaceId, action, actor, detail));
    if (result.ok) {
      if (action === 'retry') await setTimer(this.ctx.storage, PROVISION_TIMER, Date.now());
      await this.workspaceChanged(result.workspace);
      await pullIfPending(this.ctx.storage, result.workspace); // auto-pull: resume/start pull what is owed
    }
    return result;
  }

  async destroy(workspaceId: string, actor: Actor): Promise<RoomResult> {
    const result = await this.lock.run(() => deleteWorkspaceAndVm(this.room, workspaceId, actor));
    if (result.ok) {
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
    }
    return result;
  }

  async alarm(): Promise<void> {
    const workspaceId = await this.workspaceId();
    if (!workspaceId) return;
    for (const timer of await takeDueTimers(this.ctx.storage, Date.now())) {
      if (timer === PROVISION_TIMER) {
        const ws = await provisionAttempt(this.room, workspaceId);
        if (ws) await this.workspaceChanged(ws);
        await pullIfPending(this.ctx.storage, ws);
      }
      if (timer === PULL_TIMER) await this.pullNow(workspaceId, SYSTEM);
    }
  }

  // --- GitHub auto-pull (issue 6): logic in ./room/pull.ts ---

  /** The webhook's request: pull on the alarm (retried there on failure), so the webhook answers at once. */
  async pull(workspaceId: string): Promise<void> {
    await this.remember(workspaceId);
    await schedulePull(this.ctx.storage);
  }

  /** Pulls now, under the lifecycle lock, and answers with what happened (`POST .../pull`). */
  async pullNow(workspaceId: string, actor: Actor): Promise<PullRunResult> {
    await this.remember(workspaceId);
    const result = await this.lock.run(() => runPull(this.room, workspaceId, actor));
    if (result.ok) await this.workspaceChanged(result.workspace);
    return result;
  }

  /** Every status or record change of the workspace passes here, to reach its clients. */
  private async workspaceChanged(_workspace: WorkspaceRow): Promise<void> {}

  async fetch(_request: Request): Promise<Response> {
    return new Response('not implemented', { status: 501 });
  }
}
