import { ErrorCode } from '../../core/errors';
import { isVmApiError, VM_HOST_UNREACHABLE } from '../../core/vm';
import type { WorkspaceStatus } from '../../core/workspace-state';
import { quotaMessage, type LimitName } from '../../core/limits';
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

export const quotaExceeded = (name: LimitName, max: number, current: number): RoomFailure => ({
  ok: false,
  status: 409,
  code: ErrorCode.quotaExceeded,
  message: quotaMessage(name, max, current),
  limit: { name, max, current },
});

export const notRunning = (current: WorkspaceStatus): RoomFailure => ({
  ok: false,
  status: 409,
  code: ErrorCode.notRunning,
  message: `The workspace is ${current}; it must be running.`,
  currentStatus: current,
});

/**
 * A failed VM call in the user's terms. The VM host's own message is logged for operators, never
 * shown: it names internals (VM ids, states, commands) and is not written for people.
 */
export function vmFailure(err: unknown, doing = 'change the workspace'): RoomFailure {
  if (isVmApiError(err) && err.code === VM_HOST_UNREACHABLE) {
    return {
      ok: false,
      status: 503,
      code: ErrorCode.vmHostUnavailable,
      message: 'The VM host is unreachable. Nothing was changed; try again shortly.',
    };
  }
  console.error(`VM call failed (${doing}):`, err);
  const detail = !isVmApiError(err)
    ? 'it failed unexpectedly'
    : err.status === 404
      ? "the workspace's VM no longer exists"
      : err.status === 409
        ? 'the VM is busy changing state'
        : `the VM host answered ${err.status}${/^[A-Z_]+$/.test(err.code) ? ` ${err.code}` : ''}`;
  return {
    ok: false,
    status: 502,
    code: ErrorCode.vmError,
    message: `Could not ${doing}: ${detail}. Nothing was changed; try again, or reload to see its state.`,
  };
}
