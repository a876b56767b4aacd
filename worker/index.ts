import { createApp } from './app';
import { handlePreview, previewTarget } from './preview';
import { forwardAuthAnswer, isForwardAuth } from './routes/preview-auth';

export { WorkspaceRoom } from '../durable-objects/workspace-room';
export { OrgEvents } from '../durable-objects/org-events';
export { PrebuildBuilder } from '../durable-objects/prebuild-builder';

const app = createApp();

export default {
  // Preview hosts (`<port>-<workspaceId>.<PREVIEW_DOMAIN>`) are another site: never the app's routes.
  // The VM platform's forward auth is asked before every preview request: answered ahead of the app.
  fetch: (request, env, ctx) =>
    previewTarget(request, env)
      ? handlePreview(request, env, ctx)
      : isForwardAuth(request)
        ? forwardAuthAnswer(request, env)
        : app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
