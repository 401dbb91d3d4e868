import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { inApiCall } from '../../shared/api-budget.js';
import { ConfigurationError, ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { runbookHandler } from '../../shared/handler.js';
import { logger, metrics } from '../../shared/powertools.js';
import type { Invocation } from '../../shared/triggers/index.js';
import { route } from '../../shared/triggers/router.js';
import { lambdaContext } from './support/context.js';
import { httpApiEvent, OPERATOR_ARN, restApiEvent, snsEvent } from './support/events.js';

// Logger and metrics read their settings when shared/powertools.ts loads: quiet them before it does.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const NO_STORE_JSON = { 'content-type': 'application/json', 'cache-control': 'no-store' };
const GENERIC_500 = { code: 'InternalError', message: 'internal error; the details are in the function log' };

const action = vi.fn<(invocation: Invocation, context: Context) => Promise<object>>();
const handler = runbookHandler(action);

const context = lambdaContext({ awsRequestId: '0b6c9f1e-5d4a-4c3b-9a21-7e8f90a1b2c3' });

interface DirectAnswer {
  ok: boolean;
  error?: { code: string; message: string; field?: string };
}

interface ApiAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

describe('runbookHandler', () => {
  beforeEach(() => {
    action.mockReset();
    action.mockResolvedValue({ version: '7', routing: {} });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('on success', () => {
    it('answers the API door with a 200 JSON response that no cache may keep', async () => {
      // Act
      const response = (await handler(
        httpApiEvent({ method: 'GET', path: '/health/metadata' }),
        context,
      )) as ApiAnswer;

      // Assess
      expect(response).toEqual({
        statusCode: 200,
        headers: NO_STORE_JSON,
        body: JSON.stringify({ ok: true, version: '7', routing: {} }),
      });
    });

    it('hands the action one typed invocation and the Lambda context, its time bounded by the API call', async () => {
      // Act
      await handler(restApiEvent({ method: 'GET', resource: '/health/metadata' }), context);

      // Assess
      expect(action).toHaveBeenCalledTimes(1);
      expect(action).toHaveBeenCalledWith(
        {
          door: 'api',
          actor: OPERATOR_ARN,
          correlationId: 'e5f6a7b8-1234-4cde-8f00-0123456789ab',
          route: { method: 'GET', path: '/health/metadata' },
          query: {},
          payload: undefined,
        },
        expect.anything(),
      );
      // Every field read through to the invocation's own context; only the remaining time is the call's.
      const given = action.mock.calls[0]?.[1] as Context;
      expect(Object.getPrototypeOf(given)).toBe(context);
      expect(given.awsRequestId).toBe(context.awsRequestId);
      expect(inApiCall(given)).toBe(true);
    });

    it('answers a direct invocation with the plain result marked ok', async () => {
      // Act
      const response = await handler({ actor: 'cli:oncall@laptop', action: 'metadata' }, context);

      // Assess
      expect(response).toEqual({ ok: true, version: '7', routing: {} });
      expect(action.mock.calls[0]?.[0]).toEqual({
        door: 'direct',
        actor: 'claimed:cli:oncall@laptop',
        correlationId: '0b6c9f1e-5d4a-4c3b-9a21-7e8f90a1b2c3',
        payload: { action: 'metadata' },
      });
    });

    it('answers an alarm with the plain result marked ok', async () => {
      // Act
      const response = await handler(snsEvent(), context);

      // Assess
      expect(response).toEqual({ ok: true, version: '7', routing: {} });
      expect(action.mock.calls[0]?.[0]).toMatchObject({
        door: 'alarm',
        actor: 'alarm:trading-workload-errors',
      });
    });
  });

  describe('on a client mistake', () => {
    const mistakes = [
      {
        case: 'a ValidationError',
        error: new ValidationError('toVersion: expected a number', 'toVersion'),
        statusCode: 400,
        body: { code: 'ValidationError', message: 'toVersion: expected a number', field: 'toVersion' },
      },
      {
        case: 'a NotFoundError',
        error: new NotFoundError('no version 99 of trading'),
        statusCode: 404,
        body: { code: 'NotFound', message: 'no version 99 of trading' },
      },
      {
        case: 'a ConflictError',
        error: new ConflictError('alias live moved to 8 meanwhile', 'alias'),
        statusCode: 409,
        body: { code: 'Conflict', message: 'alias live moved to 8 meanwhile', field: 'alias' },
      },
    ];

    it.each(mistakes)(
      'answers the API door with $statusCode for $case',
      async ({ error, statusCode, body }) => {
        // Prepare
        action.mockRejectedValue(error);

        // Act
        const response = (await handler(
          httpApiEvent({ method: 'POST', path: '/rollback', body: '{}' }),
          context,
        )) as ApiAnswer;

        // Assess
        expect(response).toEqual({
          statusCode,
          headers: NO_STORE_JSON,
          body: JSON.stringify({ ok: false, error: body }),
        });
      },
    );

    it.each(mistakes)('answers a direct invocation with ok: false for $case', async ({ error, body }) => {
      // Prepare
      action.mockRejectedValue(error);

      // Act
      const response = await handler({ action: 'rollback' }, context);

      // Assess
      expect(response).toEqual({ ok: false, error: body });
    });

    it('answers an alarm it cannot act on without throwing, so Lambda does not retry a hopeless event', async () => {
      // Prepare
      action.mockRejectedValue(
        new ValidationError('alarm has no FunctionName dimension', 'Trigger.Dimensions'),
      );

      // Act
      const response = await handler(snsEvent(), context);

      // Assess
      expect(response).toEqual({
        ok: false,
        error: {
          code: 'ValidationError',
          message: 'alarm has no FunctionName dimension',
          field: 'Trigger.Dimensions',
        },
      });
    });

    it('refuses a malformed body with a 400 before the action runs', async () => {
      // Act
      const response = (await handler(
        httpApiEvent({ method: 'POST', path: '/rollback', body: '{"toVersion":' }),
        context,
      )) as ApiAnswer;

      // Assess
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body)).toEqual({
        ok: false,
        error: { code: 'ValidationError', message: 'request body is not valid JSON', field: 'body' },
      });
      expect(action).not.toHaveBeenCalled();
    });

    it('refuses a malformed alarm notification, naming the field, before the action runs', async () => {
      // Act
      const response = await handler(snsEvent({ AlarmName: 'x', StateChangeTime: 'now' }), context);

      // Assess
      expect(response).toMatchObject({
        ok: false,
        error: { code: 'ValidationError', field: 'Sns.Message.NewStateValue' },
      });
      expect(action).not.toHaveBeenCalled();
    });

    it('refuses a direct event that is not an object, naming event', async () => {
      // Act
      const response = await handler('metadata', context);

      // Assess
      expect(response).toEqual({
        ok: false,
        error: { code: 'ValidationError', message: 'event must be a JSON object', field: 'event' },
      });
      expect(action).not.toHaveBeenCalled();
    });

    it('counts a refusal in the Refused metric', async () => {
      // Prepare
      const addMetric = vi.spyOn(metrics, 'addMetric');
      action.mockRejectedValue(new ValidationError('bad', 'x'));

      // Act
      await handler({}, context);

      // Assess
      expect(addMetric).toHaveBeenCalledWith('Refused', 'Count', 1);
    });
  });

  describe('on an event it cannot read', () => {
    const rollbackPost = () => httpApiEvent({ method: 'POST', path: '/rollback', body: '{}' });
    const withHttp = (http: unknown) => {
      const event = rollbackPost() as unknown as { requestContext: Record<string, unknown> };
      event.requestContext.http = http;
      return event;
    };
    const sns = (change: (record: Record<string, unknown>) => void) => {
      const event = snsEvent() as unknown as { Records: Record<string, unknown>[] };
      change(event.Records[0] as Record<string, unknown>);
      return event;
    };
    const unreadable = [
      { case: 'requestContext.http null', event: withHttp(null), field: 'requestContext.http' },
      { case: 'requestContext.http {}', event: withHttp({}), field: 'requestContext.http.method' },
      {
        case: 'a numeric http.method',
        event: withHttp({ method: 7, path: '/x' }),
        field: 'requestContext.http.method',
      },
      {
        case: 'a numeric body',
        event: { ...rollbackPost(), body: 42 },
        field: 'body',
        message: 'body: must be a string, not a number',
      },
      {
        case: 'a body that is a JSON array',
        event: httpApiEvent({ method: 'POST', path: '/rollback', body: '[1,2]' }),
        field: 'body',
        message: 'body: must be a JSON object, not an array',
      },
      {
        case: 'a body that is a JSON number',
        event: httpApiEvent({ method: 'POST', path: '/rollback', body: '42' }),
        field: 'body',
        message: 'body: must be a JSON object, not a number',
      },
      {
        case: 'a body that is a JSON string',
        event: httpApiEvent({ method: 'POST', path: '/rollback', body: '"roll back"' }),
        field: 'body',
        message: 'body: must be a JSON object, not a string',
      },
      {
        case: 'a REST event without requestContext.requestId',
        event: { ...restApiEvent({ method: 'POST', resource: '/rollback' }), requestContext: {} },
        field: 'requestContext.requestId',
      },
      {
        case: 'an SNS record without Sns',
        event: sns((record) => {
          delete record.Sns;
        }),
        field: 'Records.0.Sns',
      },
      {
        case: 'an SNS message that is a number',
        event: sns((record) => {
          (record.Sns as Record<string, unknown>).Message = 5;
        }),
        field: 'Records.0.Sns.Message',
      },
    ];

    it.each(unreadable)('answers 400 naming $field for $case, before the action runs', async (item) => {
      // Act
      const response = (await handler(structuredClone(item.event), context)) as ApiAnswer | DirectAnswer;

      // Assess
      const answer = 'statusCode' in response ? JSON.parse(response.body) : response;
      if ('statusCode' in response) expect(response.statusCode).toBe(400);
      expect(answer).toMatchObject({ ok: false, error: { code: 'ValidationError', field: item.field } });
      if (item.message) expect(answer.error.message).toBe(item.message);
      expect(action).not.toHaveBeenCalled();
    });
  });

  describe('on a wrong route', () => {
    const routed = runbookHandler((invocation, ctx) =>
      route(invocation, { api: { 'GET /health': async () => ({ status: 'ok' }) } })(invocation, ctx),
    );

    it('answers 405 with an Allow header naming the methods the path takes', async () => {
      // Act
      const response = (await routed(
        httpApiEvent({ method: 'DELETE', path: '/health' }),
        context,
      )) as ApiAnswer;

      // Assess
      expect(response).toEqual({
        statusCode: 405,
        headers: { ...NO_STORE_JSON, allow: 'GET' },
        body: JSON.stringify({
          ok: false,
          error: {
            code: 'MethodNotAllowed',
            message: 'DELETE is not allowed on /health; use GET',
            field: 'method',
          },
        }),
      });
    });

    it('answers 404 for a path it does not serve', async () => {
      // Act
      const response = (await routed(httpApiEvent({ method: 'GET', path: '/nope' }), context)) as ApiAnswer;

      // Assess
      expect(response.statusCode).toBe(404);
      expect(response.headers).toEqual(NO_STORE_JSON);
      expect(JSON.parse(response.body)).toEqual({
        ok: false,
        error: { code: 'NotFound', message: 'no route GET /nope', field: 'route' },
      });
    });
  });

  describe('on an internal failure', () => {
    const failures = [
      { case: 'a plain Error', error: new Error('connect ECONNREFUSED 10.0.3.17:5432 password=hunter2') },
      {
        case: 'a ConfigurationError',
        error: new ConfigurationError('environment variable AUDIT_TABLE is not set'),
      },
      {
        case: 'an SDK error',
        error: Object.assign(
          new Error('User: arn:aws:sts::123456789012:assumed-role/HealthRole is not authorized'),
          { name: 'AccessDeniedException' },
        ),
      },
    ];

    it.each(failures)('answers the API door with a generic 500 for $case', async ({ error }) => {
      // Prepare
      action.mockRejectedValue(error);

      // Act
      const response = (await handler(httpApiEvent(), context)) as ApiAnswer;

      // Assess
      expect(response).toEqual({
        statusCode: 500,
        headers: NO_STORE_JSON,
        body: JSON.stringify({ ok: false, error: GENERIC_500 }),
      });
      expect(response.body).not.toContain(error.message);
    });

    it.each(failures)('answers a direct invocation with a generic error for $case', async ({ error }) => {
      // Prepare
      action.mockRejectedValue(error);

      // Act
      const response = await handler({ action: 'metadata' }, context);

      // Assess
      expect(response).toEqual({ ok: false, error: GENERIC_500 });
    });

    it('puts the details in the log and counts a failure', async () => {
      // Prepare
      const logError = vi.spyOn(logger, 'error');
      const addMetric = vi.spyOn(metrics, 'addMetric');
      const failure = new Error('connect ECONNREFUSED 10.0.3.17:5432');
      action.mockRejectedValue(failure);

      // Act
      await handler({ action: 'metadata' }, context);

      // Assess
      expect(logError).toHaveBeenCalledWith('request failed', { error: failure });
      expect(addMetric).toHaveBeenCalledWith('Failures', 'Count', 1);
    });

    it('rethrows for an alarm, so Lambda retries the remediation and then hands it to the failure destination', async () => {
      // Prepare
      const failure = new Error('UpdateAlias throttled');
      action.mockRejectedValue(failure);

      // Act
      const attempt = handler(snsEvent(), context);

      // Assess
      await expect(attempt).rejects.toBe(failure);
    });
  });
});

describe('runbookHandler with throwInstead', () => {
  const thrown = new Error('step failed');
  const throwInstead = vi.fn((event: unknown) =>
    JSON.stringify(event).includes('Step') ? thrown : undefined,
  );
  const strict = runbookHandler(action, { throwInstead });

  beforeEach(() => {
    action.mockReset();
    throwInstead.mockClear();
    action.mockRejectedValue(new ConflictError('not AWSPENDING', 'ClientRequestToken'));
  });

  it('throws the error it is given for a failure outside the API, with the event as it arrived', async () => {
    // Act
    const attempt = strict({ Step: 'setSecret' }, context);

    // Assess
    await expect(attempt).rejects.toBe(thrown);
    expect(throwInstead).toHaveBeenCalledWith(
      { Step: 'setSecret' },
      expect.objectContaining({ code: 'Conflict' }),
    );
  });

  it('answers as usual when it gives no error, and never asks at the API door', async () => {
    // Act
    const direct = await strict({ action: 'revokePrevious' }, context);
    const api = (await strict(
      httpApiEvent({ method: 'GET', path: '/health/metadata' }),
      context,
    )) as ApiAnswer;

    // Assess
    expect(direct).toMatchObject({ ok: false, error: { code: 'Conflict', field: 'ClientRequestToken' } });
    expect(api.statusCode).toBe(409);
    expect(throwInstead).toHaveBeenCalledTimes(1);
  });
});
