import type { TypedResponse } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The return type of a handler that answers `W`, a wire shape from core/api. `c.json(body)` is typed
 * with the body as JSON (Hono's JSONParsed: a Date becomes a string), so a body that serializes to
 * anything else (a field missing, renamed or of another type) fails tsc here, in the route.
 */
export type Reply<W, S extends ContentfulStatusCode = 200> = Promise<Response & TypedResponse<W, S, 'json'>>;
