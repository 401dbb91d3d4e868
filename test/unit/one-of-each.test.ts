// The small shared helpers issue 14 made the one copy of: function names from ARNs, the request's origin,
// integer settings, plain-object checks and the undo command line.
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  functionNameOf,
  functionNameProblem,
  queueNameInArn,
  regionInArn,
  schedulerNameInArn,
} from '../../shared/arn.js';
import { intSetting, parseSettings, positiveSetting } from '../../shared/env.js';
import { ConfigurationError } from '../../shared/errors.js';
import { originOf } from '../../shared/origin.js';
import { runbookCommand, shellWord } from '../../shared/undo.js';
import { isObject } from '../../shared/validate.js';

describe('functionNameOf', () => {
  it.each([
    ['trading', 'trading'],
    ['trading:live', 'trading'],
    ['arn:aws:lambda:us-east-1:123456789012:function:trading', 'trading'],
    ['arn:aws:lambda:us-east-1:123456789012:function:trading:7', 'trading'],
    ['123456789012:function:trading', 'trading'],
    ['arn:aws-cn:lambda:cn-north-1:123456789012:function:trading:live', 'trading'],
  ])('names the function of %s: %s', (input, name) => {
    expect(functionNameOf(input)).toBe(name);
  });
});

describe('functionNameProblem', () => {
  it.each([
    ['trading', undefined],
    [
      'arn:aws:lambda:us-east-1:123456789012:function:trading',
      "expected the function's name, not its ARN: trading",
    ],
    [
      'arn:aws-cn:lambda:cn-north-1:123456789012:function:trading:live',
      "expected the function's name, not its ARN: trading (the alias live is its own field)",
    ],
    [
      'arn:aws:lambda:us-gov-west-1:123456789012:function:trading:7',
      "expected the function's name, not its ARN: trading",
    ],
    ['123456789012:function:trading', "expected the function's name, not its ARN: trading"],
    [
      'arn:aws-iso-b:lambda:us-isob-east-1:123456789012:function:trading',
      "expected the function's name, not its ARN: trading",
    ],
    [
      'trading:live',
      "expected the function's name, not trading:live: trading (the alias live is its own field)",
    ],
    ['trading:$LATEST', "expected the function's name, not trading:$LATEST: trading"],
    // Not one of Lambda's forms: nothing of it is quoted back
    ['trading fn', 'expected a Lambda function name (letters, digits, - and _, at most 64)'],
    ['trading:live\u001b[2J', 'expected a Lambda function name (letters, digits, - and _, at most 64)'],
    [`trading:${'x'.repeat(300)}`, 'expected a Lambda function name (letters, digits, - and _, at most 64)'],
    ['', 'expected a Lambda function name (letters, digits, - and _, at most 64)'],
  ])('says what to give instead of %j', (input, problem) => {
    expect(functionNameProblem(input)).toBe(problem);
  });
});

describe('queueNameInArn', () => {
  it.each([
    ['arn:aws:sqs:us-east-1:123456789012:orders-dlq', 'orders-dlq'],
    ['arn:aws-cn:sqs:cn-north-1:123456789012:orders-dlq.fifo', 'orders-dlq.fifo'],
    ['orders-dlq', undefined],
    ['https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq', undefined],
    ['arn:aws:sns:us-east-1:123456789012:orders', undefined],
    ['arn:aws:sqs:us-east-1:123456789012:orders dlq', undefined],
  ])('finds the queue name in %j: %j', (input, name) => {
    expect(queueNameInArn(input)).toBe(name);
  });
});

describe('schedulerNameInArn', () => {
  it.each([
    ['arn:aws:scheduler:us-east-1:123456789012:schedule-group/trading', 'trading'],
    ['arn:aws:scheduler:us-east-1:123456789012:schedule/trading/daily.run', 'trading/daily.run'],
    ['arn:aws:scheduler:us-east-1:123456789012:schedule/trading', undefined],
    ['arn:aws:events:us-east-1:123456789012:rule/trading', undefined],
    ['trading', undefined],
  ])('names what %j names: %j', (input, named) => {
    expect(schedulerNameInArn(input)).toBe(named);
  });
});

describe('regionInArn', () => {
  it.each([
    ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-key-AbCdEf', 'eu-west-1'],
    ['arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f', 'us-gov-west-1'],
    ['arn:aws:iam::123456789012:role/x', undefined],
    ['api-key', undefined],
  ])('reads the region of %j: %j', (input, region) => {
    expect(regionInArn(input)).toBe(region);
  });
});

describe('originOf', () => {
  it('keeps who asked, through which door and the correlation id, and nothing of the payload', () => {
    // Act
    const origin = originOf({
      door: 'api',
      actor: 'arn:aws:sts::123456789012:assumed-role/OnCall/alice',
      correlationId: 'req-1',
      payload: { reason: 'x' },
    } as never);

    // Assess
    expect(origin).toEqual({
      door: 'api',
      actor: 'arn:aws:sts::123456789012:assumed-role/OnCall/alice',
      correlationId: 'req-1',
    });
  });
});

describe('intSetting', () => {
  const schema = z.object({ COOLDOWN: intSetting(15, 0, 1440) });

  it.each([
    [{}, 15],
    [{ COOLDOWN: '' }, 15],
    [{ COOLDOWN: '0' }, 0],
    [{ COOLDOWN: '90' }, 90],
  ])('reads %j as %s (absent or empty is the default)', (env, value) => {
    expect(parseSettings(schema, 'test', env).COOLDOWN).toBe(value);
  });

  it.each([{ COOLDOWN: 'soon' }, { COOLDOWN: '1.5' }, { COOLDOWN: '-1' }, { COOLDOWN: '1441' }])(
    'refuses %j, naming the variable',
    (env) => {
      // Act
      const attempt = () => parseSettings(schema, 'test', env);

      // Assess
      expect(attempt).toThrow(ConfigurationError);
      expect(attempt).toThrow(/^test configuration: COOLDOWN: /);
    },
  );
});

describe('positiveSetting', () => {
  const schema = z.object({ RATE: positiveSetting(200, 5000) });

  it.each([
    [{}, 200],
    [{ RATE: '' }, 200],
    [{ RATE: '0.5' }, 0.5],
    [{ RATE: '5000' }, 5000],
  ])('reads %j as %s (absent or empty is the default; fractions allowed)', (env, value) => {
    expect(parseSettings(schema, 'test', env).RATE).toBe(value);
  });

  it.each([{ RATE: 'fast' }, { RATE: '0' }, { RATE: '-1' }, { RATE: '5001' }])(
    'refuses %j, naming the variable',
    (env) => {
      expect(() => parseSettings(schema, 'test', env)).toThrow(/^test configuration: RATE: /);
    },
  );
});

describe('isObject', () => {
  it('is true of plain objects only', () => {
    expect([{}, { a: 1 }].map(isObject)).toEqual([true, true]);
    expect([null, [], 'x', 1, undefined].map(isObject)).toEqual([false, false, false, false, false]);
  });
});

describe('runbookCommand and shellWord', () => {
  it('writes safe words bare and quotes anything a shell would split or expand', () => {
    expect(shellWord('trading-live_2')).toBe('trading-live_2');
    expect(shellWord('undo rollback 1')).toBe("'undo rollback 1'");
    expect(shellWord("it's $HOME")).toBe("'it'\\''s $HOME'");
    expect(shellWord('')).toBe("''");
  });

  it('writes flags in order: text, bare flags, repeated flags; leaves out undefined and false', () => {
    // Act
    const command = runbookCommand('schedules disable', {
      schedule: ['default/nightly', 'jobs/hourly report'],
      group: undefined,
      all: false,
      force: true,
      reason: "undo enable of r-1: it's back",
    });

    // Assess
    expect(command).toBe(
      "runbook schedules disable --schedule default/nightly --schedule 'jobs/hourly report' --force --reason 'undo enable of r-1: it'\\''s back'",
    );
  });

  it('writes the rollback undo exactly as before the one builder', () => {
    // Act
    const command = runbookCommand('rollback', {
      function: 'trading',
      alias: 'live',
      'to-version': '3',
      reason: 'undo rollback 20261122T031000000Z-3fa9c2d1',
      force: true,
    });

    // Assess
    expect(command).toBe(
      "runbook rollback --function trading --alias live --to-version 3 --reason 'undo rollback 20261122T031000000Z-3fa9c2d1' --force",
    );
  });
});
