import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../shared/errors.js';
import { parseInput } from '../../shared/validate.js';

// Shaped like a rollback request: a strict top level, nested arrays, a default.
const rollbackRequest = z.strictObject({
  toVersion: z.string().regex(/^\d+$/, 'expected a version number'),
  reason: z.string().min(1),
  schedules: z.array(z.strictObject({ group: z.string(), name: z.string().min(1) })).optional(),
  dryRun: z.boolean().default(false),
});

function refusal(input: unknown, root?: string): ValidationError {
  try {
    parseInput(rollbackRequest, input, root);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected parseInput to refuse the input');
}

describe('parseInput', () => {
  it('returns the parsed input with defaults filled in', () => {
    // Act
    const request = parseInput(rollbackRequest, { toVersion: '7', reason: 'errors after deploy' });

    // Assess
    expect(request).toEqual({ toVersion: '7', reason: 'errors after deploy', dryRun: false });
  });

  const invalidRequests = [
    {
      case: 'a missing field',
      input: { reason: 'errors' },
      field: 'toVersion',
      message: /^toVersion: /,
    },
    {
      case: 'a field failing its own check',
      input: { toVersion: 'latest', reason: 'errors' },
      field: 'toVersion',
      message: 'toVersion: expected a version number',
    },
    {
      case: 'a field of the wrong type',
      input: { toVersion: '7', reason: 'errors', dryRun: 'yes' },
      field: 'dryRun',
      message: /^dryRun: /,
    },
    {
      case: 'a bad item deep in an array',
      input: {
        toVersion: '7',
        reason: 'errors',
        schedules: [
          { group: 'g', name: 'daily' },
          { group: 'g', name: '' },
        ],
      },
      field: 'schedules.1.name',
      message: /^schedules\.1\.name: /,
    },
    {
      case: 'an unknown field in a nested strict object',
      input: { toVersion: '7', reason: 'errors', schedules: [{ group: 'g', name: 'daily', cron: 'x' }] },
      field: 'schedules.0',
      message: 'schedules.0: unknown field(s): cron',
    },
  ];

  it.each(invalidRequests)('refuses $case with a 400 naming $field', ({ input, field, message }) => {
    // Act
    const error = refusal(input);

    // Assess
    expect(error.statusCode).toBe(400);
    expect(error.expose).toBe(true);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('lists every unknown top-level field, without inventing a field path', () => {
    // Act
    const error = refusal({ toVersion: '7', reason: 'errors', force: true, region: 'eu-west-1' });

    // Assess
    expect(error.message).toBe('unknown field(s): force, region');
    expect(error.field).toBeUndefined();
  });

  it('refuses input that is not an object at all', () => {
    // Act
    const error = refusal('rollback please');

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.field).toBeUndefined();
  });

  it('prefixes the field path with the root it is given', () => {
    expect(refusal({ reason: 'errors' }, 'body').field).toBe('body.toVersion');
    expect(refusal({ toVersion: '7', reason: 'x', force: true }, 'body')).toMatchObject({
      field: 'body',
      message: 'body: unknown field(s): force',
    });
  });
});
