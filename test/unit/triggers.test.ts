import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.js';
import { dimensionValue } from '../../shared/triggers/alarm.js';
import { doorOf, toInvocation } from '../../shared/triggers/index.js';
import { lambdaContext } from './support/context.js';
import {
  alarmNotification,
  httpApiEvent,
  OPERATOR_ARN,
  restApiEvent,
  sampleEvent,
  snsEvent,
} from './support/events.js';

const context = lambdaContext({ awsRequestId: '0b6c9f1e-5d4a-4c3b-9a21-7e8f90a1b2c3' });

function refusal(event: unknown): ValidationError {
  try {
    toInvocation(event, context);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected toInvocation to refuse the event');
}

describe('toInvocation from an HTTP API (payload 2.0) event', () => {
  it('takes the actor from the IAM authorizer and the route as declared', () => {
    // Prepare
    const event = sampleEvent('apigw/health-metadata.json');

    // Act
    const invocation = toInvocation(event, context);

    // Assess
    expect(invocation).toEqual({
      door: 'api',
      actor: 'arn:aws:sts::123456789012:assumed-role/OnCall/alice',
      correlationId: 'Yx2AbCdEfGhIjK=',
      route: { method: 'GET', path: '/health/metadata' },
      query: {},
      payload: undefined,
    });
  });

  it('routes on routeKey, not on a rawPath that carries a stage prefix', () => {
    // Prepare
    const event = httpApiEvent({ method: 'GET', path: '/health/metadata', rawPath: '/prod/health/metadata' });

    // Act
    const invocation = toInvocation(event, context);

    // Assess
    expect(invocation.route).toEqual({ method: 'GET', path: '/health/metadata' });
  });

  it('falls back to rawPath for the $default route', () => {
    // Prepare
    const event = httpApiEvent({ method: 'post', path: '/rollback', routeKey: '$default' });

    // Act
    const invocation = toInvocation(event, context);

    // Assess
    expect(invocation.route).toEqual({ method: 'POST', path: '/rollback' });
  });

  it('parses a JSON body, base64-encoded or not, and keeps the query string', () => {
    // Prepare
    const body = JSON.stringify({ toVersion: '7', reason: 'errors after deploy' });
    const plain = httpApiEvent({ method: 'POST', path: '/rollback', body, query: { dryRun: 'true' } });
    const encoded = httpApiEvent({
      method: 'POST',
      path: '/rollback',
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
    });

    // Act
    const fromPlain = toInvocation(plain, context);
    const fromEncoded = toInvocation(encoded, context);

    // Assess
    expect(fromPlain.payload).toEqual({ toVersion: '7', reason: 'errors after deploy' });
    expect(fromPlain.query).toEqual({ dryRun: 'true' });
    expect(fromEncoded.payload).toEqual({ toVersion: '7', reason: 'errors after deploy' });
  });

  it('calls an unsigned caller anonymous', () => {
    // Prepare
    const event = sampleEvent('apigw/health.json');

    // Act
    const invocation = toInvocation(event, context);

    // Assess
    expect(invocation.actor).toBe('anonymous');
    expect(invocation.route).toEqual({ method: 'GET', path: '/health' });
  });

  it.each([
    { case: 'text that is not JSON', body: 'toVersion=7', isBase64Encoded: false },
    { case: 'truncated JSON', body: '{"toVersion": "7"', isBase64Encoded: false },
    {
      case: 'base64 of text that is not JSON',
      body: Buffer.from('<xml/>').toString('base64'),
      isBase64Encoded: true,
    },
  ])('refuses $case as a body, naming body', ({ body, isBase64Encoded }) => {
    // Act
    const error = refusal(httpApiEvent({ method: 'POST', path: '/rollback', body, isBase64Encoded }));

    // Assess
    expect(error.field).toBe('body');
    expect(error.statusCode).toBe(400);
  });
});

describe('toInvocation from a REST API (payload 1.0) event', () => {
  it('takes the actor from the caller identity and the path from the resource', () => {
    // Prepare
    const event = restApiEvent({ method: 'GET', resource: '/health/metadata', query: { verbose: '1' } });

    // Act
    const invocation = toInvocation(event, context);

    // Assess
    expect(invocation).toEqual({
      door: 'api',
      actor: OPERATOR_ARN,
      correlationId: 'e5f6a7b8-1234-4cde-8f00-0123456789ab',
      route: { method: 'GET', path: '/health/metadata' },
      query: { verbose: '1' },
      payload: undefined,
    });
  });

  it('falls back to the caller, then to anonymous, when there is no user ARN', () => {
    expect(toInvocation(restApiEvent({ userArn: null, caller: 'AROAEXAMPLE:bob' }), context).actor).toBe(
      'AROAEXAMPLE:bob',
    );
    expect(toInvocation(restApiEvent({ userArn: null, caller: null }), context).actor).toBe('anonymous');
  });

  it('parses its body and refuses one that is not JSON', () => {
    expect(toInvocation(restApiEvent({ method: 'POST', body: '{"dryRun":true}' }), context).payload).toEqual({
      dryRun: true,
    });
    expect(refusal(restApiEvent({ method: 'POST', body: '{dryRun}' })).field).toBe('body');
  });
});

describe('toInvocation from an SNS-delivered CloudWatch alarm', () => {
  it('names the alarm as the actor and carries the notification', () => {
    // Act
    const invocation = toInvocation(snsEvent(), context);

    // Assess
    expect(invocation).toMatchObject({
      door: 'alarm',
      actor: 'alarm:trading-workload-errors',
      correlationId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
      payload: undefined,
      alarm: {
        AlarmName: 'trading-workload-errors',
        NewStateValue: 'ALARM',
        OldStateValue: 'OK',
        StateChangeTime: '2026-11-22T03:01:10.123+0000',
        Trigger: { MetricName: 'Errors', Namespace: 'AWS/Lambda' },
      },
    });
    expect(invocation.route).toBeUndefined();
  });

  it("reads the alarm's metric dimensions", () => {
    // Prepare
    const { alarm } = toInvocation(snsEvent(), context);
    if (!alarm) throw new Error('expected an alarm');

    // Act & Assess
    expect(dimensionValue(alarm, 'FunctionName')).toBe('trading');
    expect(dimensionValue(alarm, 'Resource')).toBe('live');
    expect(dimensionValue(alarm, 'QueueName')).toBeUndefined();
  });

  it('accepts a composite alarm, which has no metric trigger and a null description', () => {
    // Prepare
    const { Trigger: _trigger, ...composite } = alarmNotification({ AlarmDescription: null });

    // Act
    const invocation = toInvocation(snsEvent(composite), context);

    // Assess
    expect(invocation.alarm?.Trigger).toEqual({ Dimensions: [] });
  });

  const malformed = [
    { case: 'a message that is not JSON', message: 'ALARM: trading errors', field: 'Sns.Message' },
    {
      case: 'a message without AlarmName',
      message: alarmNotification({ AlarmName: undefined }),
      field: 'Sns.Message.AlarmName',
    },
    {
      case: 'an unknown state',
      message: alarmNotification({ NewStateValue: 'BROKEN' }),
      field: 'Sns.Message.NewStateValue',
    },
    {
      case: 'a dimension without a value',
      message: alarmNotification({ Trigger: { Dimensions: [{ name: 'FunctionName' }] } }),
      field: 'Sns.Message.Trigger.Dimensions.0.value',
    },
  ];

  it.each(malformed)('refuses $case, naming $field', ({ message, field }) => {
    // Act
    const error = refusal(snsEvent(message));

    // Assess
    expect(error.field).toBe(field);
    expect(error.statusCode).toBe(400);
  });

  it('refuses a batch of more than one record, naming Records', () => {
    // Prepare
    const event = snsEvent();
    const [record] = event.Records;
    if (!record) throw new Error('expected a record');
    event.Records.push(structuredClone(record));

    // Act
    const error = refusal(event);

    // Assess
    expect(error.field).toBe('Records');
  });
});

describe('toInvocation from a direct invocation', () => {
  it('passes the payload on without the actor it claims', () => {
    // Prepare
    const event = sampleEvent('direct/health-metadata.json');

    // Act
    const invocation = toInvocation(event, context);

    // Assess
    expect(invocation).toEqual({
      door: 'direct',
      actor: 'claimed:cli:oncall@laptop',
      correlationId: '0b6c9f1e-5d4a-4c3b-9a21-7e8f90a1b2c3',
      payload: { action: 'metadata' },
    });
  });

  it('records a caller that claims nobody as claimed:direct-invoke', () => {
    expect(toInvocation({}, context)).toEqual({
      door: 'direct',
      actor: 'claimed:direct-invoke',
      correlationId: '0b6c9f1e-5d4a-4c3b-9a21-7e8f90a1b2c3',
      payload: {},
    });
  });

  it.each([
    { case: 'null', event: null },
    { case: 'a string', event: 'metadata' },
    { case: 'a number', event: 42 },
    { case: 'an array', event: [{ action: 'metadata' }] },
  ])('refuses $case as an event, naming event', ({ event }) => {
    expect(refusal(event).field).toBe('event');
  });

  it.each([
    { case: 'empty', actor: '' },
    { case: 'not a string', actor: 42 },
    { case: 'longer than 256 characters', actor: `cli:${'a'.repeat(253)}` },
  ])('refuses an actor that is $case, naming actor', ({ actor }) => {
    expect(refusal({ actor, action: 'metadata' }).field).toBe('actor');
  });
});

describe('doorOf', () => {
  it.each([
    { door: 'api', event: httpApiEvent() },
    { door: 'api', event: restApiEvent() },
    { door: 'api', event: httpApiEvent({ method: 'POST', body: 'not json' }) },
    { door: 'alarm', event: snsEvent('not json') },
    { door: 'direct', event: { action: 'metadata' } },
    { door: 'direct', event: { Records: [] } },
    { door: 'direct', event: { Records: [{ EventSource: 'aws:sqs' }] } },
    { door: 'direct', event: null },
  ])('sees the $door door in an event shaped for it (%#)', ({ door, event }) => {
    expect(doorOf(event)).toBe(door);
  });
});
