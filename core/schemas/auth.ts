import { z } from 'zod';
import { displayName, httpsUrl, id, slug, text } from './text';

// Our rules for the fields of Better Auth's endpoints that it stores unchecked. Keys are the paths
// under /api/auth; objects stay loose because Better Auth reads more fields than these.

const OrganizationFields = {
  name: displayName(100),
  slug: slug(),
  logo: httpsUrl().nullish(),
};

export const AUTH_INPUT_RULES: Record<string, z.ZodType> = {
  '/sign-up/email': z.looseObject({
    name: displayName(100),
    email: text(254, 1),
    password: text(128, 1),
    image: httpsUrl().nullish(),
  }),
  '/sign-in/email': z.looseObject({ email: text(254, 1), password: text(128, 1) }),
  '/update-user': z.looseObject({ name: displayName(100).optional(), image: httpsUrl().nullish() }),
  '/organization/create': z.looseObject(OrganizationFields),
  '/organization/update': z.looseObject({
    organizationId: id().optional(),
    data: z.looseObject({
      name: OrganizationFields.name.optional(),
      slug: OrganizationFields.slug.optional(),
      logo: OrganizationFields.logo,
    }),
  }),
  '/organization/check-slug': z.looseObject({ slug: slug() }),
};
