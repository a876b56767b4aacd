import { Hono } from 'hono';
import { asc, eq } from 'drizzle-orm';
import { member, organization } from '../../db/schema';
import type { MeResponse } from '../../core/api/me';
import type { Reply } from '../lib/reply';
import type { AppEnv } from '../types';
import { assertSignedIn, signedInQuery } from '../lib/membership';

export const me = new Hono<AppEnv>().get('/', async (c): Reply<MeResponse> => {
  const { db, principal } = c.var;
  // The session cookie is read from its cache: whether it was signed out since, in the same round trip.
  const [signedIn, organizations] = await db.batch([
    signedInQuery(db, principal),
    db
      .select({ id: organization.id, name: organization.name, slug: organization.slug, role: member.role })
      .from(member)
      .innerJoin(organization, eq(organization.id, member.organizationId))
      .where(eq(member.userId, principal.userId))
      .orderBy(asc(organization.name)),
  ]);
  assertSignedIn(signedIn);
  const user = { id: principal.userId, name: principal.name, email: principal.email };
  return c.json({ user, via: principal.via, organizations }, 200);
});
