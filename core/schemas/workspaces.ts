import { z } from 'zod';
import { isValidBranchName } from './repositories';

export const CreateWorkspaceInput = z.object({
  organizationId: z.string().min(1),
  repositoryId: z.uuid(),
  branch: z.string().min(1).max(255).refine(isValidBranchName, 'is not a valid git branch name'),
  name: z.string().trim().min(1).max(100).optional(),
  autoStopMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60)
    .optional(),
});
export type CreateWorkspaceInput = z.infer<typeof CreateWorkspaceInput>;

export const ListWorkspacesQuery = z.object({
  organizationId: z.string().min(1),
  repositoryId: z.uuid().optional(),
});

export const ActiveWorkspacesQuery = z.object({ organizationId: z.string().min(1) });

export const EXEC_DEFAULT_TIMEOUT_MS = 60_000;
export const EXEC_MAX_TIMEOUT_MS = 10 * 60_000;
export const EXEC_OUTPUT_CAP_BYTES = 1024 * 1024;

export const ExecInput = z.object({
  command: z.string().min(1).max(100_000),
  timeoutMs: z.number().int().min(100).max(EXEC_MAX_TIMEOUT_MS).optional(),
  /** Relative to the workspace's clone, or absolute inside the VM. */
  cwd: z.string().min(1).max(1000).optional(),
});
export type ExecInput = z.infer<typeof ExecInput>;

export const CommandInput = ExecInput.extend({ workspaceId: z.uuid() });
