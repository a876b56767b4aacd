// Every error the API answers with: `{ error: { code, message } }` and one of these codes.
export const ErrorCode = {
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  notFound: 'not_found',
  validation: 'validation_error',
  invalidTransition: 'invalid_transition',
  notRunning: 'workspace_not_running',
  conflict: 'conflict',
  /** A per-organization limit (core/limits.ts): the error names it, its maximum and the current count. */
  quotaExceeded: 'quota_exceeded',
  payloadTooLarge: 'payload_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  rateLimited: 'rate_limited',
  invalidSignature: 'invalid_signature',
  vmHostUnavailable: 'vm_host_unavailable',
  /** The VM host answered, but could not do what was asked (the message says what, in plain words). */
  vmError: 'vm_error',
  serviceUnavailable: 'service_unavailable',
  /** A preview URL's port has no server listening in the VM. */
  nothingListening: 'nothing_listening',
  internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; [extra: string]: unknown };
}
