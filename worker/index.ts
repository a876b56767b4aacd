import { createApp } from './app';

export { WorkspaceRoom } from '../durable-objects/workspace-room';
export { OrgEvents } from '../durable-objects/org-events';

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
