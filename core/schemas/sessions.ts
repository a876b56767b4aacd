import { z } from 'zod';

export const CLIENT_TYPES = ['web', 'desktop'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];
