import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { intSetting, numberSetting, optionalEnv, parseSettings, requireEnv } from '../../shared/env.js';
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

// The one reader of numeric settings (intSetting, in a function's settings schema), with the cases the removed
// intEnv was tested with: a positive integer, unset or '' is the default, anything else a deployment error.
describe('intSetting', () => {
  const schema = z.object({ HEALTH_BUDGET_MS: intSetting(2500, 1, 25_000) });

  it('reads a positive integer, or falls back when unset or empty', () => {
    expect(parseSettings(schema, 'health', { HEALTH_BUDGET_MS: '800' }).HEALTH_BUDGET_MS).toBe(800);
    expect(parseSettings(schema, 'health', {}).HEALTH_BUDGET_MS).toBe(2500);
    expect(parseSettings(schema, 'health', { HEALTH_BUDGET_MS: '' }).HEALTH_BUDGET_MS).toBe(2500);
  });

  it.each(['0', '-5', '1.5', 'fast', 'NaN', '25001'])(
    'refuses %j as a deployment error naming the variable',
    (raw) => {
      // Act
      const attempt = () => parseSettings(schema, 'health', { HEALTH_BUDGET_MS: raw });

      // Assess
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(/^health configuration: HEALTH_BUDGET_MS: /);
    },
  );
});

describe('numberSetting', () => {
  const schema = z.object({ CANARY_ALPHA: numberSetting(0.01) });

  it.each([
    [{}, 0.01],
    [{ CANARY_ALPHA: '' }, 0.01],
    [{ CANARY_ALPHA: '0.25' }, 0.25],
  ])('reads %j as %s (absent or empty is the default; decimals kept)', (env, value) => {
    expect(parseSettings(schema, 'canary analyst', env).CANARY_ALPHA).toBe(value);
  });

  it('refuses text that is no number, naming the variable', () => {
    // Act
    const attempt = () => parseSettings(schema, 'canary analyst', { CANARY_ALPHA: 'often' });

    // Assess
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/^canary analyst configuration: CANARY_ALPHA: /);
  });
});
