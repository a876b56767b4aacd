import { z } from 'zod';
import { displayName } from './text';
import { KEY_PERMISSIONS } from '../policy';

/** Keys expire after this many days unless asked otherwise; `never` must be asked for explicitly. */
export const DEFAULT_KEY_EXPIRY_DAYS = 90;
export const MAX_KEY_EXPIRY_DAYS = 365;
/** What a key may do when the request does not say: run commands and read, not administer. */
export const DEFAULT_KEY_PERMISSIONS = ['exec'] as const;

export const CreateApiKeyInput = z.object({
  name: displayName(32),
  organizationId: z.string().trim().min(1).max(100),
  permissions: z.array(z.enum(KEY_PERMISSIONS)).min(1).max(3).optional(),
  expiresInDays: z
    .union([z.literal('never'), z.number().int().min(1).max(MAX_KEY_EXPIRY_DAYS)])
    .optional()
    .default(DEFAULT_KEY_EXPIRY_DAYS),
});
export type CreateApiKeyInput = z.infer<typeof CreateApiKeyInput>;
