import { z } from 'zod';

// What every organization may have at once. Defaults come from configuration (LIMIT_* variables);
// owners and admins may set their organization's own (PATCH /api/organizations/:id/limits).

export const LIMIT_NAMES = [
  'workspaces',
  'running',
  'windows',
  'terminalSockets',
  'sessionsPerUser',
] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];
export type Limits = Record<LimitName, number>;

export const DEFAULT_LIMITS: Limits = {
  workspaces: 20,
  running: 5,
  windows: 10,
  terminalSockets: 50,
  sessionsPerUser: 20,
};

/** The largest value an organization may set itself, per limit. */
export const MAX_LIMITS: Limits = {
  workspaces: 1000,
  running: 200,
  windows: 100,
  terminalSockets: 500,
  sessionsPerUser: 200,
};

export const LimitsPatch = z
  .object(
    Object.fromEntries(
      LIMIT_NAMES.map((n) => [n, z.number().int().min(1).max(MAX_LIMITS[n]).nullable().optional()]),
    ) as Record<LimitName, z.ZodOptional<z.ZodNullable<z.ZodNumber>>>,
  )
  .strict();

const WHAT: Record<LimitName, (max: number, current: number) => string> = {
  workspaces: (m, c) => `${c} of ${m} workspaces exist; delete one or ask an admin to raise the limit.`,
  running: (m, c) => `${c} of ${m} workspaces are running; stop one or ask an admin to raise the limit.`,
  windows: (m, c) => `${c} of ${m} terminal windows are open; close one or ask an admin to raise the limit.`,
  terminalSockets: (m, c) =>
    `${c} of ${m} terminal connections are open to this workspace; close one or ask an admin to raise the limit.`,
  sessionsPerUser: (m, c) =>
    `You have ${c} of ${m} open sessions; close a tab or app, or ask an admin to raise the limit.`,
};

/** The sentence a refused request carries, naming the limit and the count. */
export const quotaMessage = (name: LimitName, max: number, current: number) => WHAT[name](max, current);
