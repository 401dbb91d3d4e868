import * as z from 'zod';
import { ConfigurationError } from './errors.js';

/** Reads a required environment variable, naming it when it is missing: a misdeployed function fails loudly. */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '')
    throw new ConfigurationError(`environment variable ${name} is not set`);
  return value;
}

export function optionalEnv(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

// Settings schemas: a function's configuration is its environment, validated once with zod.

/** CloudFormation passes an unset optional parameter as '': that means "not configured", not a bad value. */
export const unsetIfEmpty = (value: unknown): unknown => (value === '' ? undefined : value);

/** An optional text setting: absent or '' is undefined. */
export const optionalSetting = z.preprocess(unsetIfEmpty, z.string().min(1).optional());

/** A comma-separated list setting: absent or '' is an empty list; blanks around items are dropped. */
export const listSetting = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

/**
 * A numeric setting, the one way settings are read as numbers: absent or '' is the default (CloudFormation
 * passes an unset parameter as ''); anything else is read with Number() and must satisfy `rule` (any number
 * by default; NaN never does), or the settings fail naming the variable.
 */
export const numberSetting = (fallback: number, rule: z.ZodNumber = z.number()) =>
  z.preprocess((value) => (value === undefined || value === '' ? fallback : Number(value)), rule);

/** An integer setting in [min, max]: numberSetting with that rule. */
export const intSetting = (fallback: number, min: number, max: number) =>
  numberSetting(fallback, z.number().int().min(min).max(max));

/**
 * A positive number setting, fractions allowed (a rate per second): absent or '' is the default; anything else
 * must be a number above 0 and at most `max`, or the settings fail naming the variable.
 */
export const positiveSetting = (fallback: number, max: number) =>
  numberSetting(fallback, z.number().gt(0).max(max));

/** Parses a function's settings from its environment; a bad one is a deployment error naming the variable. */
export function parseSettings<S extends z.ZodType>(
  schema: S,
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ConfigurationError(`${what} configuration: ${issue?.path.join('.')}: ${issue?.message}`);
}
