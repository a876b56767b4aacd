import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../worker/env';

/** One per workspace (addressed by workspace id): terminal relay, presence, idle alarms. */
export class WorkspaceRoom extends DurableObject<Bindings> {
  async fetch(_request: Request): Promise<Response> {
    return new Response('not implemented', { status: 501 });
  }
}
