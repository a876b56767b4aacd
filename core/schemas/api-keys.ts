import { z } from 'zod';

export const CreateApiKeyInput = z.object({ name: z.string().trim().min(1).max(32) });
export type CreateApiKeyInput = z.infer<typeof CreateApiKeyInput>;
