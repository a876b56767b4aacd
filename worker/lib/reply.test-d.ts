// Compiled by tsc (npm run typecheck), never run: Reply must keep refusing bodies of another shape.
import type { Context } from 'hono';
import type { Reply } from './reply';

interface Wire {
  at: string;
  count: number;
}
declare const c: Context;

// A Date goes over the wire as an ISO string, so a row with a Date fits a string field.
export const fits = async (): Reply<Wire> => c.json({ at: new Date(), count: 1 }, 200);

// @ts-expect-error a renamed field
export const renamed = async (): Reply<Wire> => c.json({ at: new Date(), total: 1 }, 200);

// @ts-expect-error a field of another type
export const retyped = async (): Reply<Wire> => c.json({ at: new Date(), count: '1' }, 200);

// @ts-expect-error another status than the route declares
export const status = async (): Reply<Wire, 201> => c.json({ at: new Date(), count: 1 }, 200);
