import { createApp } from './app';
import { handlePreview, previewTarget } from './preview';

export { WorkspaceRoom } from '../durable-objects/workspace-room';
export { OrgEvents } from '../durable-objects/org-events';
export { PrebuildBuilder } from '../durable-objects/prebuild-builder';

const app = createApp();

export default {
  // Preview hosts (`<port>-<workspaceId>.<PREVIEW_DOMAIN>`) are another site: never the app's routes.
  fetch: (request, env, ctx) =>
    previewTarget(request, env) ? handlePreview(request, env, ctx) : app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
