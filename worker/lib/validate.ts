import { validator } from 'hono/validator';
import type { z } from 'zod';
import { ErrorCode } from '../../core/errors';
import { apiError } from './errors';

export function firstIssue(error: z.ZodError) {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || undefined;
  const message = field ? `${field}: ${issue!.message}` : (issue?.message ?? 'Invalid input');
  return { field, message };
}

// Validators that keep Hono's type inference and answer 400 naming the bad field.
export const json = <S extends z.ZodType>(schema: S) =>
  validator('json', (value, _c): z.output<S> => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.error);
      throw apiError(400, ErrorCode.validation, message, { field });
    }
    return parsed.data;
  });

export const query = <S extends z.ZodType>(schema: S) =>
  validator('query', (value, _c): z.output<S> => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const { field, message } = firstIssue(parsed.error);
      throw apiError(400, ErrorCode.validation, message, { field });
    }
    return parsed.data;
  });
