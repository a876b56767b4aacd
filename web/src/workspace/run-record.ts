import type { ExecResponse } from '../../../core/api/workspaces';

/** One command the runner sent and what came back. */
export interface RunRecord {
  id: number;
  command: string;
  result?: ExecResponse;
  error?: string;
}
