import { z } from 'zod';
import { isValidBranchName } from './branch';

// The input rules every request schema is built from. Postgres refuses NUL in text (a 500 if it gets
// that far), an unpaired surrogate is not valid UTF-8 anywhere downstream, and control or bidi
// characters in a name make what people read differ from what is stored.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// C0/C1 controls, bidi embeddings/overrides/isolates and marks, line/paragraph separators.
const UNPRINTABLE = /[\p{Cc}\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/**
 * Text from elsewhere (a repository's file, a VM) made safe to show: control and bidi characters and
 * unpaired surrogates dropped, trimmed, cut at `max`; undefined when nothing is left.
 */
export function printable(s: string, max: number): string | undefined {
  const out = s
    .replace(new RegExp(UNPRINTABLE.source, 'gu'), '')
    .replace(new RegExp(LONE_SURROGATE.source, 'g'), '')
    .trim();
  return out ? [...out].slice(0, max).join('').trim() : undefined;
}

/** Why a string can never be stored or passed on, or null when it can. */
export function textProblem(s: string): string | null {
  if (s.includes('\0')) return 'must not contain a null byte';
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode (it has an unpaired surrogate)';
  return null;
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** The first string (value or key) anywhere in a decoded JSON value that fails `textProblem`. */
export function findTextProblem(value: unknown, path: string[] = [], depth = 0): FieldProblem | null {
  const field = () => path.join('.') || 'body';
  if (depth > 64) return { field: field(), message: 'is nested too deeply' };
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { field: field(), message: problem } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = findTextProblem(value[i], [...path, String(i)], depth + 1);
      if (p) return p;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const keyProblem = textProblem(k);
      if (keyProblem) return { field: [...path, 'key'].join('.') || 'body', message: `a key ${keyProblem}` };
      const p = findTextProblem(v, [...path, k], depth + 1);
      if (p) return p;
    }
  }
  return null;
}

const clean = (s: z.ZodString) =>
  s.superRefine((v, ctx) => {
    const problem = textProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Any string: bounded, no NUL, valid Unicode. */
export const text = (max: number, min = 0) =>
  clean(
    z
      .string()
      .min(min, min === 1 ? 'must not be empty' : `must be at least ${min} characters`)
      .max(max, `must be at most ${max} characters`),
  );

/** A name people read: trimmed, not empty, bounded, printable (no control or bidi characters). */
export const displayName = (max: number) =>
  clean(z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`)).refine(
    (v) => !UNPRINTABLE.test(v),
    'must be printable (no control or bidirectional-override characters)',
  );

/** Ids we and Better Auth mint (uuids, Better Auth's random ids): short, URL-safe. */
export const id = () =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(100, 'must be at most 100 characters')
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a valid id');

/** A whole number within real limits; the message names them (never "2^53"). */
export const boundedInt = (min: number, max: number) =>
  z
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .refine(
      (v) => Number.isInteger(v) && v >= min && v <= max,
      `must be a whole number from ${min} to ${max}`,
    );

/** The same, from a query string. */
export const boundedIntQuery = (min: number, max: number) =>
  z
    .string()
    .max(20, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(boundedInt(min, max));

/** git check-ref-format's rules for a branch, stricter where that keeps it away from shells. */
export const branchName = () =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters')
    .refine(isValidBranchName, 'is not a valid git branch name');

/** Organization slugs: lower-case letters, digits and dashes. */
export const slug = () =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(/^[a-z0-9-]+$/, 'may contain only a-z, 0-9 and "-"');

/** Pictures (logos, avatars) load in everyone's browser: https only, never `javascript:` or `data:`. */
export const httpsUrl = () =>
  text(2000).refine((v) => {
    try {
      return new URL(v).protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an https:// URL');
