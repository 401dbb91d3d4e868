import {
  CloudWatchClient,
  type CompositeAlarm,
  DescribeAlarmsCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ResourceNotFoundException as LambdaNotFound,
} from '@aws-sdk/client-lambda';
import {
  GetScheduleCommand,
  ResourceNotFoundException as ScheduleNotFound,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/health/handler.js';
import { gitShaOf, healthConfig, invokedAlias, readMetadata } from '../../functions/health/metadata.js';
import pkg from '../../package.json' with { type: 'json' };
import { ConfigurationError } from '../../shared/errors.js';
import { lambdaContext } from './support/context.js';
import { setEnv } from './support/env.js';
import { httpApiEvent, sampleEvent } from './support/events.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const lambda = mockClient(LambdaClient);
const scheduler = mockClient(SchedulerClient);
const cloudwatch = mockClient(CloudWatchClient);

const RUNBOOK_SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const WORKLOAD_SHA = '9a0364b9e99bb480dd25e1f0284c8555e1a2b3c4';
const SCHEDULE_SECRET = 'sk-live-51H8xYzQ2eZvKYlo2C';
const NO_STORE_JSON = { 'content-type': 'application/json', 'cache-control': 'no-store' };
const GENERIC_500 = { code: 'InternalError', message: 'internal error; the details are in the function log' };

const HEALTH_FUNCTION = 'lambda-runbook-HealthFunction-a1B2c3D4e5F6';
const context = lambdaContext({ functionName: HEALTH_FUNCTION, functionVersion: '3', qualifier: 'live' });

const watched = {
  WATCHED_FUNCTION: 'trading',
  WATCHED_ALIAS: 'live',
  WATCHED_SCHEDULES: 'trading-workload/daily, trading-workload/hourly',
  WATCHED_SCHEDULE_GROUP: undefined,
  WATCHED_ALARM_PREFIX: 'trading-workload-',
  HEALTH_BUDGET_MS: '1000',
  AWS_REGION: 'us-east-1',
  POWERTOOLS_SERVICE_NAME: 'lambda-runbook',
  GIT_SHA: RUNBOOK_SHA,
  BUILD_ID: 'ci-1234',
  DEPLOYED_AT: '2026-11-22T03:00:00Z',
  RUNBOOK_ENV: 'prod',
};

const errorsAlarm: MetricAlarm = {
  AlarmName: 'trading-workload-errors',
  AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:trading-workload-errors',
  StateValue: 'ALARM',
  StateUpdatedTimestamp: new Date('2026-11-22T03:01:10.123Z'),
};
const durationAlarm: MetricAlarm = {
  AlarmName: 'trading-workload-duration',
  StateValue: 'INSUFFICIENT_DATA',
  StateUpdatedTimestamp: new Date('2026-11-20T00:00:00.000Z'),
};
const compositeAlarm: CompositeAlarm = {
  AlarmName: 'trading-workload-any',
  StateValue: 'OK',
  StateUpdatedTimestamp: new Date('2026-11-21T12:00:00.000Z'),
};

const never = () => new Promise<never>(() => {});

interface ApiAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

async function api(event: unknown): Promise<ApiAnswer & { json: Record<string, unknown> }> {
  const response = (await handler(event, context)) as ApiAnswer;
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
}

function awsCalls(): number {
  return lambda.calls().length + scheduler.calls().length + cloudwatch.calls().length;
}

function abortSignalOf(call: { args: unknown[] } | undefined): AbortSignal | undefined {
  return (call?.args[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
}

describe('the health function', () => {
  let restoreEnv: () => void;

  beforeEach(() => {
    restoreEnv = setEnv(watched);
    lambda.reset();
    scheduler.reset();
    cloudwatch.reset();
    lambda.on(GetAliasCommand).resolves({
      AliasArn: 'arn:aws:lambda:us-east-1:123456789012:function:trading:live',
      Name: 'live',
      FunctionVersion: '7',
      RoutingConfig: { AdditionalVersionWeights: { '8': 0.1 } },
    });
    lambda.on(GetFunctionConfigurationCommand).resolves({
      FunctionName: 'trading',
      Version: '7',
      Description: `gitSha=${WORKLOAD_SHA} buildId=ci-1200`,
    });
    scheduler.on(GetScheduleCommand, { Name: 'daily' }).resolves({
      GroupName: 'trading-workload',
      Name: 'daily',
      State: 'ENABLED',
      ScheduleExpression: 'cron(30 6 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/London',
      Target: {
        Arn: 'arn:aws:lambda:us-east-1:123456789012:function:trading:live',
        RoleArn: 'arn:aws:iam::123456789012:role/trading-scheduler',
        Input: JSON.stringify({ source: 'schedule', apiKey: SCHEDULE_SECRET }),
      },
    });
    scheduler.on(GetScheduleCommand, { Name: 'hourly' }).resolves({
      GroupName: 'trading-workload',
      Name: 'hourly',
      State: 'DISABLED',
      ScheduleExpression: 'rate(1 hour)',
      Target: {
        Arn: 'arn:aws:lambda:us-east-1:123456789012:function:trading:live',
        RoleArn: 'r',
        Input: '{}',
      },
    });
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [errorsAlarm, durationAlarm], NextToken: 'page-2' })
      .resolvesOnce({ CompositeAlarms: [compositeAlarm] });
  });

  afterEach(() => {
    restoreEnv();
  });

  describe('GET /health/metadata', () => {
    it('reports the build, this function, and the live state of the watched workload', async () => {
      // Act
      const response = await api(sampleEvent('apigw/health-metadata.json'));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.headers).toEqual(NO_STORE_JSON);
      expect(response.json).toEqual({
        ok: true,
        status: 'ok',
        service: 'lambda-runbook',
        version: pkg.version,
        gitSha: RUNBOOK_SHA,
        buildId: 'ci-1234',
        builtAt: 'unknown',
        deployedAt: '2026-11-22T03:00:00Z',
        environment: 'prod',
        region: 'us-east-1',
        self: { functionName: HEALTH_FUNCTION, version: '3', alias: 'live' },
        target: {
          status: 'ok',
          functionName: 'trading',
          alias: 'live',
          version: '7',
          routing: { '8': 0.1 },
          gitSha: WORKLOAD_SHA,
        },
        schedules: {
          status: 'ok',
          items: [
            {
              group: 'trading-workload',
              name: 'daily',
              status: 'ok',
              state: 'ENABLED',
              expression: 'cron(30 6 ? * MON-FRI *)',
              timezone: 'Europe/London',
            },
            {
              group: 'trading-workload',
              name: 'hourly',
              status: 'ok',
              state: 'DISABLED',
              expression: 'rate(1 hour)',
            },
          ],
        },
        alarms: {
          status: 'ok',
          prefix: 'trading-workload-',
          counts: { ALARM: 1, OK: 1, INSUFFICIENT_DATA: 1 },
          items: [
            { name: 'trading-workload-errors', state: 'ALARM', updatedAt: '2026-11-22T03:01:10.123Z' },
            {
              name: 'trading-workload-duration',
              state: 'INSUFFICIENT_DATA',
              updatedAt: '2026-11-20T00:00:00.000Z',
            },
            { name: 'trading-workload-any', state: 'OK', updatedAt: '2026-11-21T12:00:00.000Z' },
          ],
        },
        checkedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        durationMs: expect.any(Number),
      });
    });

    it("reads the alias, then the configuration of the alias's version", async () => {
      // Act
      await api(sampleEvent('apigw/health-metadata.json'));

      // Assess
      expect(lambda.commandCalls(GetAliasCommand).map((call) => call.args[0].input)).toEqual([
        { FunctionName: 'trading', Name: 'live' },
      ]);
      expect(lambda.commandCalls(GetFunctionConfigurationCommand).map((call) => call.args[0].input)).toEqual([
        { FunctionName: 'trading', Qualifier: '7' },
      ]);
    });

    it('reads each watched schedule in its group', async () => {
      // Act
      await api(sampleEvent('apigw/health-metadata.json'));

      // Assess
      expect(scheduler.commandCalls(GetScheduleCommand).map((call) => call.args[0].input)).toEqual([
        { GroupName: 'trading-workload', Name: 'daily' },
        { GroupName: 'trading-workload', Name: 'hourly' },
      ]);
    });

    it('reads every page of metric and composite alarms under the prefix', async () => {
      // Act
      await api(sampleEvent('apigw/health-metadata.json'));

      // Assess
      expect(cloudwatch.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input)).toEqual([
        { AlarmNamePrefix: 'trading-workload-', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
        {
          AlarmNamePrefix: 'trading-workload-',
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          NextToken: 'page-2',
        },
      ]);
    });

    it("never shows a schedule's target input, which may carry secrets", async () => {
      // Act
      const response = await api(sampleEvent('apigw/health-metadata.json'));

      // Assess
      expect(response.body).not.toContain(SCHEDULE_SECRET);
      expect(response.body).not.toContain('trading-scheduler');
      expect(response.body).not.toMatch(/"(Input|Target|RoleArn)"/);
    });

    it('reports an alias without canary weights as serving one version', async () => {
      // Prepare
      lambda.on(GetAliasCommand).resolves({ Name: 'live', FunctionVersion: '7' });
      lambda
        .on(GetFunctionConfigurationCommand)
        .resolves({ Version: '7', Description: 'the trading function' });

      // Act
      const response = await api(sampleEvent('apigw/health-metadata.json'));

      // Assess
      expect(response.json.target).toEqual({
        status: 'ok',
        functionName: 'trading',
        alias: 'live',
        version: '7',
        routing: {},
      });
    });

    it('degrades, and still answers, when the alias cannot be read', async () => {
      // Prepare
      lambda.on(GetAliasCommand).rejects(
        new LambdaNotFound({
          message: 'Alias not found: arn:aws:lambda:us-east-1:123456789012:function:trading:live',
          $metadata: {},
        }),
      );

      // Act
      const response = await api(sampleEvent('apigw/health-metadata.json'));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.json).toMatchObject({
        ok: true,
        status: 'degraded',
        target: {
          status: 'error',
          error:
            'ResourceNotFoundException: Alias not found: arn:aws:lambda:us-east-1:123456789012:function:trading:live',
        },
        schedules: { status: 'ok' },
        alarms: { status: 'ok', counts: { ALARM: 1, OK: 1, INSUFFICIENT_DATA: 1 } },
      });
      expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(0);
    });

    it('degrades when one schedule is missing, and reports the others', async () => {
      // Prepare
      scheduler.on(GetScheduleCommand, { Name: 'hourly' }).rejects(
        new ScheduleNotFound({
          Message: 'Schedule hourly does not exist.',
          message: 'Schedule hourly does not exist.',
          $metadata: {},
        }),
      );

      // Act
      const response = await api(sampleEvent('apigw/health-metadata.json'));

      // Assess
      expect(response.json).toMatchObject({
        status: 'degraded',
        target: { status: 'ok' },
        schedules: {
          status: 'ok',
          items: [
            { name: 'daily', status: 'ok', state: 'ENABLED' },
            {
              group: 'trading-workload',
              name: 'hourly',
              status: 'error',
              error: 'ResourceNotFoundException: Schedule hourly does not exist.',
            },
          ],
        },
        alarms: { status: 'ok' },
      });
    });

    it('gives up on a read that outlasts HEALTH_BUDGET_MS, aborts it, and answers with the rest', async () => {
      // Prepare
      process.env.HEALTH_BUDGET_MS = '50';
      cloudwatch.reset();
      cloudwatch.on(DescribeAlarmsCommand).callsFake(never);

      // Act
      const response = await api(sampleEvent('apigw/health-metadata.json'));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.json).toMatchObject({
        status: 'degraded',
        target: { status: 'ok', version: '7' },
        schedules: { status: 'ok' },
        alarms: { status: 'error', error: 'timed out after 50 ms' },
      });
      expect(abortSignalOf(cloudwatch.commandCalls(DescribeAlarmsCommand)[0])?.aborted).toBe(true);
    });

    it('gives each part its own budget, so a hung alias read does not hold up the alarms', async () => {
      // Prepare
      process.env.HEALTH_BUDGET_MS = '50';
      lambda.on(GetAliasCommand).callsFake(never);

      // Act
      const response = await api(sampleEvent('apigw/health-metadata.json'));

      // Assess
      expect(response.json).toMatchObject({
        status: 'degraded',
        target: { status: 'error', error: 'timed out after 50 ms' },
        schedules: { status: 'ok' },
        alarms: { status: 'ok', prefix: 'trading-workload-' },
      });
      expect(abortSignalOf(lambda.commandCalls(GetAliasCommand)[0])?.aborted).toBe(true);
    });

    it('reports what is not configured as such and reads nothing for it', async () => {
      // Prepare
      restoreEnv();
      restoreEnv = setEnv({
        ...watched,
        WATCHED_FUNCTION: undefined,
        WATCHED_SCHEDULES: undefined,
        WATCHED_ALARM_PREFIX: undefined,
      });

      // Act
      const response = await api(sampleEvent('apigw/health-metadata.json'));

      // Assess
      expect(response.json).toMatchObject({
        status: 'ok',
        target: { status: 'unconfigured' },
        schedules: { status: 'ok', items: [] },
        alarms: { status: 'unconfigured' },
      });
      expect(awsCalls()).toBe(0);
    });

    it('answers a generic 500, reading nothing, when the function is deployed with a bad configuration', async () => {
      // Prepare
      process.env.WATCHED_SCHEDULES = 'daily';

      // Act
      const response = await api(sampleEvent('apigw/health-metadata.json'));

      // Assess
      expect(response.statusCode).toBe(500);
      expect(response.json).toEqual({ ok: false, error: GENERIC_500 });
      expect(response.body).not.toContain('WATCHED_SCHEDULES');
      expect(awsCalls()).toBe(0);
    });
  });

  describe('GET /health', () => {
    it('answers ok without a single AWS call', async () => {
      // Act
      const response = await api(sampleEvent('apigw/health.json'));

      // Assess
      expect(response).toMatchObject({ statusCode: 200, headers: NO_STORE_JSON });
      expect(response.json).toEqual({ ok: true, status: 'ok' });
      expect(awsCalls()).toBe(0);
    });
  });

  describe('direct invocation', () => {
    it('answers the metadata by default', async () => {
      // Act
      const answer = (await handler({}, context)) as Record<string, unknown>;

      // Assess
      expect(answer).toMatchObject({ ok: true, status: 'ok', target: { status: 'ok', version: '7' } });
      expect(lambda.commandCalls(GetAliasCommand)).toHaveLength(1);
    });

    it('answers the metadata when asked for it by the CLI', async () => {
      // Act
      const answer = (await handler(sampleEvent('direct/health-metadata.json'), context)) as Record<
        string,
        unknown
      >;

      // Assess
      expect(answer).toMatchObject({
        ok: true,
        status: 'ok',
        self: { functionName: HEALTH_FUNCTION, version: '3', alias: 'live' },
        alarms: { status: 'ok', counts: { ALARM: 1, OK: 1, INSUFFICIENT_DATA: 1 } },
      });
      expect(answer).not.toHaveProperty('statusCode');
    });

    it('answers liveness without a single AWS call', async () => {
      // Act
      const answer = await handler(sampleEvent('direct/health-liveness.json'), context);

      // Assess
      expect(answer).toEqual({ ok: true, status: 'ok' });
      expect(awsCalls()).toBe(0);
    });
  });

  describe('refuses bad requests, reading nothing', () => {
    const apiRefusals = [
      {
        case: 'an unknown route',
        event: () => sampleEvent('apigw/unknown-route.json'),
        statusCode: 404,
        error: { code: 'NotFound', message: 'no route GET /nope', field: 'route' },
        headers: NO_STORE_JSON,
      },
      {
        case: 'a wrong method',
        event: () => sampleEvent('apigw/health-wrong-method.json'),
        statusCode: 405,
        error: {
          code: 'MethodNotAllowed',
          message: 'POST is not allowed on /health/metadata; use GET',
          field: 'method',
        },
        headers: { ...NO_STORE_JSON, allow: 'GET' },
      },
      {
        case: 'a malformed JSON body',
        event: () => httpApiEvent({ method: 'GET', path: '/health/metadata', body: '{"verbose":' }),
        statusCode: 400,
        error: { code: 'ValidationError', message: 'request body is not valid JSON', field: 'body' },
        headers: NO_STORE_JSON,
      },
    ];

    it.each(apiRefusals)('answers $case with $statusCode', async ({ event, statusCode, error, headers }) => {
      // Act
      const response = await api(event());

      // Assess
      expect(response.statusCode).toBe(statusCode);
      expect(response.headers).toEqual(headers);
      expect(response.json).toEqual({ ok: false, error });
      expect(awsCalls()).toBe(0);
    });

    const directRefusals = [
      { case: 'an unknown action', event: { action: 'nope' }, field: 'action', message: /^action: / },
      {
        case: 'the bad-action sample',
        event: sampleEvent('direct/health-bad-action.json'),
        field: 'action',
        message: /^action: /,
      },
      { case: 'an action that is not a string', event: { action: 7 }, field: 'action', message: /^action: / },
      {
        case: 'an unknown field',
        event: { action: 'metadata', verbose: true },
        field: '(root)',
        message: /^\(root\): unknown field\(s\): verbose$/,
      },
      {
        case: 'an event that is not an object',
        event: ['metadata'],
        field: 'event',
        message: /^event must be a JSON object$/,
      },
    ];

    it.each(directRefusals)(
      'answers $case with ok: false naming the problem',
      async ({ event, field, message }) => {
        // Act
        const answer = (await handler(event, context)) as {
          ok: boolean;
          error: { code: string; message: string; field?: string };
        };

        // Assess
        expect(answer.ok).toBe(false);
        expect(answer.error.code).toBe('ValidationError');
        expect(answer.error.field).toBe(field);
        expect(answer.error.message).toMatch(message);
        expect(awsCalls()).toBe(0);
      },
    );
  });
});

describe('readMetadata', () => {
  beforeEach(() => {
    lambda.reset();
    scheduler.reset();
    cloudwatch.reset();
  });

  it('times the whole answer and names no alias when invoked by version', async () => {
    // Prepare
    const clock = [1_795_316_645_000, 1_795_316_645_250];
    const now = () => clock.shift() ?? Number.NaN;
    const byVersion = lambdaContext({ functionName: HEALTH_FUNCTION, functionVersion: '3', qualifier: '3' });

    // Act
    const metadata = await readMetadata(
      {
        lambda: new LambdaClient({}),
        scheduler: new SchedulerClient({}),
        cloudwatch: new CloudWatchClient({}),
      },
      { alias: 'live', schedules: [], budgetMs: 100 },
      byVersion,
      { AWS_REGION: 'eu-west-2' },
      now,
    );

    // Assess
    expect(metadata).toMatchObject({
      status: 'ok',
      region: 'eu-west-2',
      self: { functionName: HEALTH_FUNCTION, version: '3' },
      checkedAt: '2026-11-22T03:04:05.000Z',
      durationMs: 250,
    });
    expect(metadata.self).not.toHaveProperty('alias');
    expect(awsCalls()).toBe(0);
  });
});

describe('healthConfig', () => {
  it('reads the watched function, alias, schedules, alarm prefix and budget', () => {
    expect(
      healthConfig({
        WATCHED_FUNCTION: 'trading',
        WATCHED_ALIAS: 'prod',
        WATCHED_SCHEDULES: 'trading-workload/daily, trading-workload/hourly,',
        WATCHED_ALARM_PREFIX: 'trading-',
        HEALTH_BUDGET_MS: '800',
      }),
    ).toEqual({
      functionName: 'trading',
      alias: 'prod',
      schedules: [
        { group: 'trading-workload', name: 'daily' },
        { group: 'trading-workload', name: 'hourly' },
      ],
      alarmPrefix: 'trading-',
      budgetMs: 800,
    });
  });

  it('defaults to the live alias, nothing watched, and a 2.5 s budget', () => {
    expect(healthConfig({})).toEqual({ alias: 'live', schedules: [], budgetMs: 2500 });
  });

  it.each([
    { case: 'a schedule without its group', env: { WATCHED_SCHEDULES: 'daily' }, name: 'WATCHED_SCHEDULES' },
    {
      case: 'a schedule name with a space',
      env: { WATCHED_SCHEDULES: 'trading/daily run' },
      name: 'WATCHED_SCHEDULES',
    },
    { case: 'a zero budget', env: { HEALTH_BUDGET_MS: '0' }, name: 'HEALTH_BUDGET_MS' },
    { case: 'a budget that is not a number', env: { HEALTH_BUDGET_MS: 'fast' }, name: 'HEALTH_BUDGET_MS' },
    {
      case: 'a budget longer than the function may run',
      env: { HEALTH_BUDGET_MS: '30000' },
      name: 'HEALTH_BUDGET_MS',
    },
  ])('refuses $case as a deployment error naming $name', ({ env, name }) => {
    // Act
    const attempt = () => healthConfig(env);

    // Assess
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(name);
  });

  // A deliberate choice: HEALTH_BUDGET_MS is read as every numeric setting is (intSetting), so '' is unset.
  it('reads an empty HEALTH_BUDGET_MS as unset: the 2.5 s default, as for every numeric setting', () => {
    expect(healthConfig({ HEALTH_BUDGET_MS: '' })).toEqual({ alias: 'live', schedules: [], budgetMs: 2500 });
  });

  // template.yaml passes `!Ref WatchedAlarmPrefix`, whose default is '', when it watches an existing workload.
  it('treats an empty WATCHED_ALARM_PREFIX as no alarms to watch', () => {
    expect(healthConfig({ WATCHED_FUNCTION: 'trading', WATCHED_ALARM_PREFIX: '' })).toEqual({
      functionName: 'trading',
      alias: 'live',
      schedules: [],
      budgetMs: 2500,
    });
  });

  // For an existing workload template.yaml passes names alone in WATCHED_SCHEDULES ("Comma-separated schedule
  // names in WatchedScheduleGroup") and the group in WATCHED_SCHEDULE_GROUP.
  it('reads bare schedule names in WATCHED_SCHEDULE_GROUP, as template.yaml passes them', () => {
    expect(
      healthConfig({
        WATCHED_FUNCTION: 'trading',
        WATCHED_SCHEDULES: 'daily,hourly',
        WATCHED_SCHEDULE_GROUP: 'trading-jobs',
      }).schedules,
    ).toEqual([
      { group: 'trading-jobs', name: 'daily' },
      { group: 'trading-jobs', name: 'hourly' },
    ]);
  });
});

describe('gitShaOf', () => {
  it.each([
    { description: `gitSha=${WORKLOAD_SHA} buildId=ci-1200`, sha: WORKLOAD_SHA },
    { description: 'buildId=ci-1200 gitSha=9a0364b', sha: '9a0364b' },
    { description: 'gitSha=unknown buildId=local', sha: 'unknown' },
    { description: 'the trading function', sha: undefined },
    { description: 'gitSha=9A0364B9E99BB480', sha: undefined },
    { description: 'gitSha=9a03', sha: undefined },
    { description: undefined, sha: undefined },
  ])('reads $sha from $description', ({ description, sha }) => {
    expect(gitShaOf(description)).toBe(sha);
  });
});

describe('invokedAlias', () => {
  it.each([
    { arn: 'arn:aws:lambda:us-east-1:123456789012:function:health:live', alias: 'live' },
    { arn: 'arn:aws:lambda:us-east-1:123456789012:function:health:3', alias: undefined },
    { arn: 'arn:aws:lambda:us-east-1:123456789012:function:health:$LATEST', alias: undefined },
    { arn: 'arn:aws:lambda:us-east-1:123456789012:function:health', alias: undefined },
  ])('finds $alias in $arn', ({ arn, alias }) => {
    expect(invokedAlias(arn)).toBe(alias);
  });
});
