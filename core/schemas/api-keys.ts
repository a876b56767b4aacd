import { z } from 'zod';
import { displayName } from './text';

export const CreateApiKeyInput = z.object({ name: displayName(32) });
export type CreateApiKeyInput = z.infer<typeof CreateApiKeyInput>;
