import { ErrorCode } from '../../core/errors';
import { isVmApiError, VM_HOST_UNREACHABLE } from '../../core/vm';
import type { WorkspaceStatus } from '../../core/workspace-state';
import type { WorkspaceRow } from '../../db/queries/workspaces';

// RPC results are plain data: errors thrown across the Durable Object boundary lose their class.
export type RoomFailure = {
  ok: false;
  status: 404 | 409 | 502 | 503;
  code: ErrorCode;
  message: string;
  currentStatus?: WorkspaceStatus;
};
export type RoomResult<T = { workspace: WorkspaceRow }> = ({ ok: true } & T) | RoomFailure;

export const notFoundResult = (): RoomFailure => ({
  ok: false,
  status: 404,
  code: ErrorCode.notFound,
  message: 'Workspace not found.',
});

export const invalidTransition = (current: WorkspaceStatus, action: string): RoomFailure => ({
  ok: false,
  status: 409,
  code: ErrorCode.invalidTransition,
  message: `Cannot ${action.replace('_', ' ')} a workspace that is ${current}.`,
  currentStatus: current,
});

export function vmFailure(err: unknown): RoomFailure {
  if (isVmApiError(err) && err.code === VM_HOST_UNREACHABLE) {
    return {
      ok: false,
      status: 503,
      code: ErrorCode.vmHostUnavailable,
      message: 'The VM host is unreachable. Nothing was changed; try again shortly.',
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    ok: false,
    status: 502,
    code: ErrorCode.vmHostUnavailable,
    message: `The VM host refused: ${message}`,
  };
}
