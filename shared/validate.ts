import type { z } from 'zod';
import { ValidationError } from './errors.js';

type Issue = z.core.$ZodIssue;

/** `a string`, `an object`, `null`: how a value (or an expected type) is named in a message. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

const sizeOf = (value: unknown) =>
  typeof value === 'string' || Array.isArray(value) ? value.length : undefined;

/**
 * What is wrong, worded for the value that was given. A schema's own message is kept when it fits; one that
 * would mislead is replaced: zod applies a schema's `error` ("functionName is required") to every issue of
 * that schema, so a number given for `functionName`, or a 3,000-character SecretId, was told it is missing.
 */
function wording(issue: Issue): string {
  const given = 'input' in issue && issue.input !== undefined;
  const generic = /^(Invalid input|Too big|Too small|Invalid option)\b/.test(issue.message);
  if (!given) return issue.code === 'invalid_type' && generic ? 'is required' : issue.message;
  if (!generic && !/\brequired\b/i.test(issue.message)) return issue.message;
  const size = sizeOf(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${article(issue.expected)}, not ${kindOf(issue.input)}`;
    case 'too_big':
      if (issue.origin === 'string') return `is too long: at most ${issue.maximum} characters, got ${size}`;
      if (issue.origin === 'array') return `has too many items: at most ${issue.maximum}, got ${size}`;
      return `must be at most ${issue.maximum}`;
    case 'too_small':
      if (issue.origin === 'string')
        return size === 0 ? 'must not be empty' : `is too short: at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return `needs at least ${issue.minimum} item(s)`;
      return `must be at least ${issue.minimum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    default:
      return issue.message;
  }
}

/**
 * One zod issue as the field it concerns and what is wrong with it. A problem with the whole input (an array
 * or a number where an object belongs) names `root`, or `(root)` when the input has no name of its own.
 */
export function describeIssue(issue: Issue | undefined, root?: string): { field: string; message: string } {
  const path = [...(root ? [root] : []), ...(issue?.path ?? []).map(String)];
  const field = path.length > 0 ? path.join('.') : '(root)';
  if (!issue) return { field, message: 'invalid input' };
  if (issue.code === 'unrecognized_keys')
    return { field, message: `unknown field(s): ${issue.keys.join(', ')}` };
  return { field, message: wording(issue) };
}

/**
 * Parses input with a zod schema; the first problem becomes a ValidationError naming the field
 * (`toVersion`, `schedules.0.name`), so a caller at 3 a.m. knows exactly what to fix.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, root?: string): z.infer<S> {
  // `reportInput` puts the offending value on the issue, only to word the message: it is never shown.
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const { field, message } = describeIssue(result.error.issues[0], root);
  throw new ValidationError(`${field}: ${message}`, field);
}

/** A plain object (not null, not an array): the first check on anything parsed from JSON. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
