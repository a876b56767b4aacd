import { z } from 'zod';

/** `PUT .../secrets/:name`: the size limit is checked by the route (413, not 400). */
export const PutSecretInput = z.object({ value: z.string() });
export type PutSecretInput = z.infer<typeof PutSecretInput>;
