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

  it('lists every unknown top-level field, naming the input as a whole: (root)', () => {
    // Act
    const error = refusal({ toVersion: '7', reason: 'errors', force: true, region: 'eu-west-1' });

    // Assess
    expect(error.message).toBe('(root): unknown field(s): force, region');
    expect(error.field).toBe('(root)');
  });

  it.each([
    ['a string', 'rollback please', '(root): must be an object, not a string'],
    ['an array', [1, 2], '(root): must be an object, not an array'],
    ['a number', 7, '(root): must be an object, not a number'],
    ['null', null, '(root): must be an object, not null'],
  ])('refuses %s where an object belongs, naming (root)', (_case, input, message) => {
    // Act
    const error = refusal(input);

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: '(root)', message });
  });

  it('says a value of the wrong type must be of the right one, even where the schema says "is required"', () => {
    // Prepare
    const schema = z.object({
      functionName: z
        .string({ error: 'functionName is required' })
        .min(1, 'functionName is required')
        .max(140),
    });

    // Act
    const wrongType = () => parseInput(schema, { functionName: 42 });
    const missing = () => parseInput(schema, {});
    const tooLong = () => parseInput(schema, { functionName: 'x'.repeat(3_000) });
    const empty = () => parseInput(schema, { functionName: '' });

    // Assess
    expect(wrongType).toThrow('functionName: must be a string, not a number');
    expect(missing).toThrow('functionName: functionName is required');
    expect(tooLong).toThrow('functionName: is too long: at most 140 characters, got 3000');
    expect(empty).toThrow('functionName: must not be empty');
  });

  it("keeps a check's own message when it fits the value given", () => {
    expect(refusal({ toVersion: 'latest', reason: 'x' }).message).toBe(
      'toVersion: expected a version number',
    );
  });

  it('prefixes the field path with the root it is given', () => {
    expect(refusal({ reason: 'errors' }, 'body').field).toBe('body.toVersion');
    expect(refusal({ toVersion: '7', reason: 'x', force: true }, 'body')).toMatchObject({
      field: 'body',
      message: 'body: unknown field(s): force',
    });
  });
});
