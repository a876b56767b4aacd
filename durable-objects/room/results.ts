import { ErrorCode } from '../../core/errors';
import { isVmApiError, VM_HOST_UNREACHABLE } from '../../core/vm';
import type { WorkspaceStatus } from '../../core/workspace-state';
import type { RoomFailure } from './contract';

// Constructors of the room's plain-data failures (contract.ts).

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

export const notRunning = (current: WorkspaceStatus): RoomFailure => ({
  ok: false,
  status: 409,
  code: ErrorCode.notRunning,
  message: `The workspace is ${current}; it must be running.`,
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
