import type { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * Parses input with a zod schema; the first problem becomes a ValidationError naming the field
 * (`toVersion`, `schedules.0.name`), so a caller at 3 a.m. knows exactly what to fix.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root?: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [...(root ? [root] : []), ...(issue?.path ?? []).map(String)];
  const field = path.length > 0 ? path.join('.') : undefined;
  let message = issue?.message ?? 'invalid input';
  if (issue?.code === 'unrecognized_keys') message = `unknown field(s): ${issue.keys.join(', ')}`;
  throw new ValidationError(field ? `${field}: ${message}` : message, field ?? issue?.path.join('.'));
}

/** A plain object (not null, not an array): the first check on anything parsed from JSON. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
