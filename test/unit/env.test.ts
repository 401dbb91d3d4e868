import { describe, expect, it } from 'vitest';
import { intEnv, optionalEnv, requireEnv } from '../../shared/env.js';
import { ConfigurationError } from '../../shared/errors.js';

describe('requireEnv', () => {
  it('returns the value that is set', () => {
    expect(requireEnv('AUDIT_TABLE', { AUDIT_TABLE: 'runbook-audit' })).toBe('runbook-audit');
  });

  it.each([
    { case: 'missing', env: {} },
    { case: 'empty', env: { AUDIT_TABLE: '' } },
  ])('fails loudly, naming the variable, when it is $case', ({ env }) => {
    // Act
    const attempt = () => requireEnv('AUDIT_TABLE', env);

    // Assess
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow('environment variable AUDIT_TABLE is not set');
  });

  it('reads process.env by default', () => {
    expect(requireEnv('PATH')).toBe(process.env.PATH);
  });
});

describe('optionalEnv', () => {
  it('returns the value, or undefined when missing or empty', () => {
    expect(optionalEnv('OPS_TOPIC_ARN', { OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:ops' })).toBe(
      'arn:aws:sns:us-east-1:123456789012:ops',
    );
    expect(optionalEnv('OPS_TOPIC_ARN', {})).toBeUndefined();
    expect(optionalEnv('OPS_TOPIC_ARN', { OPS_TOPIC_ARN: '' })).toBeUndefined();
  });
});

describe('intEnv', () => {
  it('reads a positive integer, or falls back when unset', () => {
    expect(intEnv('HEALTH_BUDGET_MS', 2500, { HEALTH_BUDGET_MS: '800' })).toBe(800);
    expect(intEnv('HEALTH_BUDGET_MS', 2500, {})).toBe(2500);
    expect(intEnv('HEALTH_BUDGET_MS', 2500, { HEALTH_BUDGET_MS: '' })).toBe(2500);
  });

  it.each(['0', '-5', '1.5', 'fast', 'NaN'])(
    'refuses %j as a deployment error naming the variable',
    (raw) => {
      // Act
      const attempt = () => intEnv('HEALTH_BUDGET_MS', 2500, { HEALTH_BUDGET_MS: raw });

      // Assess
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(
        `environment variable HEALTH_BUDGET_MS must be a positive integer, got "${raw}"`,
      );
    },
  );
});
