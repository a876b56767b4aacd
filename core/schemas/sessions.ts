import { z } from 'zod';

// `ssh`: a connection through `cw` (its SSH proxy holds the session while the connection is open).
export const CLIENT_TYPES = ['web', 'desktop', 'ssh'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];
/** A terminal socket is the web or desktop app's (an SSH connection is not a terminal socket). */
export const TERMINAL_CLIENT_TYPES = ['web', 'desktop'] as const satisfies readonly ClientType[];
