import { PageQuery } from './page';
import { z } from 'zod';
import { boundedInt, branchName, displayName, id, text } from './text';

export const AUTO_STOP_MINUTES = { min: 5, max: 24 * 60 } as const;

export const CreateWorkspaceInput = z.object({
  organizationId: id(),
  repositoryId: z.uuid(),
  branch: branchName(),
  name: displayName(100).optional(),
  autoStopMinutes: boundedInt(AUTO_STOP_MINUTES.min, AUTO_STOP_MINUTES.max).optional(),
});
export type CreateWorkspaceInput = z.infer<typeof CreateWorkspaceInput>;

export const ListWorkspacesQuery = z.object({
  organizationId: id(),
  repositoryId: z.uuid().optional(),
  ...PageQuery.shape,
});

export const ActiveWorkspacesQuery = z.object({ organizationId: id(), ...PageQuery.shape });

export const EXEC_DEFAULT_TIMEOUT_MS = 60_000;
export const EXEC_MAX_TIMEOUT_MS = 10 * 60_000;
export const EXEC_OUTPUT_CAP_BYTES = 1024 * 1024;

export const ExecInput = z.object({
  command: text(100_000, 1),
  timeoutMs: boundedInt(100, EXEC_MAX_TIMEOUT_MS).optional(),
  /** Relative to the workspace's clone, or absolute inside the VM. */
  cwd: text(1000, 1).optional(),
});
export type ExecInput = z.infer<typeof ExecInput>;

export const CommandInput = ExecInput.extend({ workspaceId: z.uuid() });
