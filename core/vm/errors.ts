/** Any failure of the VM API, with Freestyle's `{ code, message }` and the HTTP status. */
export class VmApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message || code);
    this.name = 'VmApiError';
    this.status = status;
    this.code = code;
  }
}

/** Code of the error a client raises itself when the VM host cannot be reached at all. */
export const VM_HOST_UNREACHABLE = 'VM_HOST_UNREACHABLE';

export const isVmApiError = (e: unknown): e is VmApiError => e instanceof VmApiError;
