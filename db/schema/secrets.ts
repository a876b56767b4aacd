import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { SecretScope } from '../../core/secrets/rules';
import { organization, user } from './auth';
import { repositories } from './repositories';

// Workspace secrets of the three scopes, sealed with AES-GCM (core/secrets/crypto.ts): the table holds
// no value in clear. A repository's row carries its organization too, so one index serves a workspace.
export const secrets = pgTable(
  'secrets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    scope: text('scope').$type<SecretScope>().notNull(),
    organizationId: text('organization_id').references(() => organization.id, { onDelete: 'cascade' }),
    repositoryId: uuid('repository_id').references(() => repositories.id, { onDelete: 'cascade' }),
    userId: text('user_id').references(() => user.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    keyId: text('key_id').notNull(),
    iv: text('iv').notNull(),
    ciphertext: text('ciphertext').notNull(),
    updatedById: text('updated_by_id').references(() => user.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).defaultNow().notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    uniqueIndex('secrets_organization_uidx')
      .on(t.organizationId, t.name)
      .where(sql`scope = 'organization'`),
    uniqueIndex('secrets_repository_uidx')
      .on(t.repositoryId, t.name)
      .where(sql`scope = 'repository'`),
    uniqueIndex('secrets_personal_uidx')
      .on(t.userId, t.name)
      .where(sql`scope = 'personal'`),
    index('secrets_key_idx').on(t.keyId),
    check(
      'secrets_owner_chk',
      sql`(scope = 'organization' and organization_id is not null and repository_id is null and user_id is null)
       or (scope = 'repository' and organization_id is not null and repository_id is not null and user_id is null)
       or (scope = 'personal' and user_id is not null and organization_id is null and repository_id is null)`,
    ),
  ],
);
