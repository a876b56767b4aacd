/** An API failure, answered as Freestyle does: non-2xx with `{ code, message }`. */
export class HostError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HostError(404, 'NOT_FOUND', `${what} not found`);
export const badRequest = (message: string) => new HostError(400, 'BAD_REQUEST', message);
