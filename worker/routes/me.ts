import { Hono } from 'hono';
import { asc, eq } from 'drizzle-orm';
import { member, organization } from '../../db/schema';
import type { MeResponse } from '../../core/api/me';
import type { Reply } from '../lib/reply';
import type { AppEnv } from '../types';

export const me = new Hono<AppEnv>().get('/', async (c): Reply<MeResponse> => {
  const { db, principal } = c.var;
  const organizations = await db
    .select({ id: organization.id, name: organization.name, slug: organization.slug, role: member.role })
    .from(member)
    .innerJoin(organization, eq(organization.id, member.organizationId))
    .where(eq(member.userId, principal.userId))
    .orderBy(asc(organization.name));
  const user = { id: principal.userId, name: principal.name, email: principal.email };
  return c.json({ user, via: principal.via, organizations }, 200);
});
