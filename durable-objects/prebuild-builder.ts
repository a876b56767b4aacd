import { DurableObject } from 'cloudflare:workers';
import type { PrebuildBuild, PrebuildBuildReason } from '../core/api/prebuilds';
import { runBuilder } from './builder/alarm';
import { lastBuild, requestBuild } from './builder/request';
import { createBuilderState, type BuilderState } from './builder/state';

/**
 * One per repository and branch (named `<repositoryId>:<branch>`): builds the branch's prebuild in the
 * background when a push or a settings change alters the setup definition (docs/setup.md). A build
 * runs on the alarm, one at a time; a newer request supersedes the one in progress. This class is
 * only the surface; the work is in ./builder.
 */
export class PrebuildBuilder extends DurableObject<Env> {
  private b: BuilderState;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.b = createBuilderState(ctx, env);
  }

  /** Answers whether a build was asked for (see `requestBuild`). */
  async request(
    repositoryId: string,
    branch: string,
    reason: PrebuildBuildReason,
    opts: { onlyIfBuiltBefore?: boolean } = {},
  ): Promise<boolean> {
    return requestBuild(this.b, { repositoryId, branch }, reason, opts.onlyIfBuiltBefore);
  }

  /** The current or last build; null before the first. */
  async status(): Promise<PrebuildBuild | null> {
    return lastBuild(this.b);
  }

  async alarm(): Promise<void> {
    await runBuilder(this.b);
  }
}
