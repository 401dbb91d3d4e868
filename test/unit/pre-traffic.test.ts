// The pre-traffic hook with aws-sdk-client-mock: what it invokes, what it reports, and that it reports Failed
// whenever it is not sure — and reports before the Lambda's deadline even when a case hangs. The end-to-end
// canary runs against the CodeDeploy simulator in test/integration/codedeploy-hooks.test.ts.
import {
  CodeDeployClient,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  ThrottlingException,
} from '@aws-sdk/client-codedeploy';
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  type InvokeCommandInput,
  LambdaClient,
  ListVersionsByFunctionCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/pre-traffic/handler.js';
import type { Invoker } from '../../functions/pre-traffic/invoker.js';
import { SMOKE_CLIENT_CONTEXT } from '../../functions/pre-traffic/invoker.js';
import {
  containsSubset,
  type PreTrafficDeps,
  preTraffic,
  recordedGitSha,
  sameCommit,
} from '../../functions/pre-traffic/smoke.js';
import { parseFreezeWindows } from '../../shared/freeze/windows.js';
import { REPORT_RESERVE_FLOOR_MS, ReportError, timeBudget } from '../../shared/lifecycle-hook.js';
import { lambdaContext } from './support/context.js';
import { setEnv } from './support/env.js';
import { fakeLedger } from './support/ledger.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const lambda = mockClient(LambdaClient);
const codedeploy = mockClient(CodeDeployClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

const FN = 'trading';
const SHA = '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39';
const EVENT = { DeploymentId: 'd-A1B2C3D4E', LifecycleEventHookExecutionId: 'execution-token-1' };
const APPSPEC = JSON.stringify({
  version: 0.0,
  Resources: [
    {
      trading: {
        Type: 'AWS::Lambda::Function',
        Properties: { Name: FN, Alias: 'live', CurrentVersion: '6', TargetVersion: '7' },
      },
    },
  ],
});

const silent = { info: () => undefined, warn: vi.fn(), error: () => undefined };
const instantClock = { now: () => performance.now(), sleep: async () => undefined };

const suiteOf = (cases: unknown[], extra: Record<string, unknown> = {}) => ({ cases, ...extra });
const okCase = { name: 'runs', payload: { job: 'daily' }, expect: { jsonSubset: { ok: true } } };

function deps(overrides: Partial<PreTrafficDeps> = {}, suite: unknown = suiteOf([okCase])) {
  const ledger = fakeLedger({ numbered: true });
  return {
    ledger,
    deps: {
      lambda: new LambdaClient({}),
      codedeploy: new CodeDeployClient({}),
      ledger,
      logger: silent,
      budget: timeBudget(() => 60_000, 30_000),
      clock: instantClock,
      correlationId: 'request-1',
      config: { skip: false, suite },
      ...overrides,
    } satisfies PreTrafficDeps,
  };
}

/** What the workload answers: the health probe with `gitSha`, anything else `{ ok: true }`. */
function workloadAnswers(gitSha = SHA) {
  lambda.on(InvokeCommand).callsFake((input: InvokeCommandInput) => {
    const payload = JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8'));
    const answer =
      payload.runbook === 'health' ? { runbook: 'health', gitSha } : { ok: true, job: payload.job };
    return {
      StatusCode: 200,
      ExecutedVersion: input.Qualifier,
      Payload: Buffer.from(JSON.stringify(answer)),
    };
  });
}

/** An Invoke answer's payload (the SDK types it as a blob adapter; the bytes are what matter). */
const answer = (text: string) => Buffer.from(text) as never;

const reported = () =>
  codedeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand).map((call) => call.args[0].input);

beforeEach(() => {
  lambda.reset();
  codedeploy.reset();
  dynamo.reset();
  sns.reset();
  silent.warn.mockClear();
  codedeploy.on(GetDeploymentCommand).resolves({
    deploymentInfo: {
      applicationName: 'app',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: APPSPEC } },
    },
  });
  codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  lambda
    .on(GetFunctionConfigurationCommand)
    .resolves({ Version: '7', Description: `gitSha=${SHA} buildId=ci-42` });
  workloadAnswers();
});

describe('preTraffic', () => {
  it('reports Succeeded only after every case and the build check passed on the exact version', async () => {
    // Prepare
    const { deps: d, ledger } = deps();

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess
    expect(result).toMatchObject({ status: 'Succeeded', functionName: FN, version: '7', skipped: false });
    expect(result.cases.map((item) => [item.name, item.verdict])).toEqual([
      ['build-metadata', 'pass'],
      ['runs', 'pass'],
    ]);
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)[0]?.args[0].input).toEqual({
      FunctionName: FN,
      Qualifier: '7',
    });
    const invokes = lambda.commandCalls(InvokeCommand).map((call) => call.args[0].input);
    expect(invokes).toEqual([
      {
        FunctionName: FN,
        Qualifier: '7',
        InvocationType: 'RequestResponse',
        ClientContext: SMOKE_CLIENT_CONTEXT,
        Payload: Buffer.from('{"runbook":"health"}'),
      },
      {
        FunctionName: FN,
        Qualifier: '7',
        InvocationType: 'RequestResponse',
        ClientContext: SMOKE_CLIENT_CONTEXT,
        Payload: Buffer.from('{"job":"daily"}'),
      },
    ]);
    expect(JSON.parse(Buffer.from(SMOKE_CLIENT_CONTEXT, 'base64').toString())).toEqual({
      custom: { runbook: 'smoke' },
    });
    expect(reported()).toEqual([
      {
        deploymentId: EVENT.DeploymentId,
        lifecycleEventHookExecutionId: EVENT.LifecycleEventHookExecutionId,
        status: 'Succeeded',
      },
    ]);
    expect(ledger.records).toEqual([
      expect.objectContaining({
        action: 'deploy.pre-traffic',
        actor: `codedeploy:${EVENT.DeploymentId}`,
        target: `function:${FN}:7`,
        outcome: 'succeeded',
        before: { alias: 'live', version: '6' },
        after: { status: 'Succeeded', reported: true },
      }),
    ]);
  });

  const failures: { case: string; arrange: () => void; suite?: unknown; reason: RegExp }[] = [
    {
      case: 'a function error the case did not expect',
      arrange: () =>
        lambda.on(InvokeCommand, { Payload: Buffer.from('{"job":"daily"}') }).resolves({
          FunctionError: 'Unhandled',
          ExecutedVersion: '7',
          Payload: answer('{"errorMessage":"boom"}'),
        }),
      reason: /runs \(function error Unhandled/,
    },
    {
      case: 'an answer without the expected subset',
      arrange: () =>
        lambda.on(InvokeCommand, { Payload: Buffer.from('{"job":"daily"}') }).resolves({
          ExecutedVersion: '7',
          Payload: answer('{"ok":false}'),
        }),
      reason: /does not contain/,
    },
    {
      case: 'no function error where the case expects one',
      arrange: () => undefined,
      suite: suiteOf([{ name: 'refuses', payload: { bad: 1 }, expect: { functionError: true } }]),
      reason: /expected a function error/,
    },
    {
      case: 'another version answering',
      arrange: () =>
        lambda.on(InvokeCommand, { Payload: Buffer.from('{"job":"daily"}') }).resolves({
          ExecutedVersion: '6',
          Payload: answer('{"ok":true}'),
        }),
      reason: /version 6 answered, not 7/,
    },
    {
      case: 'a build that is not the one the description records',
      arrange: () => workloadAnswers('0000000aaaaaaa'),
      reason: /build-metadata \(the version runs build "0000000aaaaaaa"/,
    },
    {
      case: 'a version description without a git sha',
      arrange: () => lambda.on(GetFunctionConfigurationCommand).resolves({ Description: 'hand-published' }),
      reason: /records no git sha/,
    },
    {
      case: 'an Invoke that throws',
      arrange: () =>
        lambda
          .on(InvokeCommand)
          .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} })),
      reason: /ResourceNotFoundException/,
    },
    {
      case: 'a GetDeployment that fails',
      arrange: () => codedeploy.on(GetDeploymentCommand).rejects(new Error('AccessDenied')),
      reason: /could not run the smoke suite: AccessDenied/,
    },
    {
      case: 'an AppSpec that is not a Lambda AppSpec',
      arrange: () =>
        codedeploy.on(GetDeploymentCommand).resolves({
          deploymentInfo: { revision: { appSpecContent: { content: 'version: 0.0\nResources: []' } } },
        }),
      reason: /not a Lambda AppSpec/,
    },
  ];

  it.each(failures)('reports Failed on $case', async ({ arrange, suite, reason }) => {
    // Prepare
    arrange();
    const { deps: d, ledger } = deps({}, suite ?? suiteOf([okCase]));

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess
    expect(result.status).toBe('Failed');
    expect(result.reason).toMatch(reason);
    expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
    expect(ledger.records[0]).toMatchObject({ outcome: 'failed', after: { status: 'Failed' } });
  });

  it('reports Failed on a case slower than its maxDurationMs', async () => {
    // Prepare: a clock that moves 50 ms per reading.
    let now = 0;
    const clock = { now: () => (now += 50), sleep: async () => undefined };
    const { deps: d } = deps(
      { clock },
      suiteOf([{ name: 'quick', payload: { job: 'x' }, expect: { maxDurationMs: 10 } }]),
    );

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess
    expect(result.status).toBe('Failed');
    expect(result.reason).toMatch(/quick \(took \d+ ms, more than 10 ms\)/);
  });

  it('reports Failed when a case times out, abandoning its invocation', async () => {
    // Prepare
    const signals: AbortSignal[] = [];
    const invoke: Invoker = (request) => {
      signals.push(request.signal);
      return request.payload && (request.payload as { runbook?: string }).runbook === 'health'
        ? Promise.resolve({ payload: { gitSha: SHA } })
        : new Promise(() => undefined);
    };
    const { deps: d } = deps({ invoke }, suiteOf([{ name: 'hangs', payload: { job: 'x' }, timeoutMs: 30 }]));

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess
    expect(result.status).toBe('Failed');
    expect(result.reason).toMatch(/hangs \(timed out after 30 ms\)/);
    expect(signals[1]?.aborted).toBe(true);
  });

  it('reports before the deadline when a case hangs and ignores its abort, keeping the reserve', async () => {
    // Prepare: 2 s left in the invocation, 1.9 s of it reserved: 100 ms for cases.
    const context = lambdaContext({ timeoutMs: 2_000 });
    let remainingAtReport = -1;
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake(() => {
      remainingAtReport = context.getRemainingTimeInMillis();
      return {};
    });
    const neverAnswers: Invoker = () => new Promise(() => undefined);
    const { deps: d } = deps(
      { invoke: neverAnswers, budget: timeBudget(() => context.getRemainingTimeInMillis(), 1_900) },
      suiteOf([{ name: 'hangs', payload: {}, timeoutMs: 600_000 }]),
    );

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess: reported Failed while the invocation still had most of its reserve.
    expect(result.status).toBe('Failed');
    expect(result.cases.every((item) => item.verdict === 'fail')).toBe(true);
    expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
    expect(remainingAtReport).toBeGreaterThan(1_000);
  });

  it('reports Failed within the budget when reading the deployment hangs', async () => {
    // Prepare: 100 ms for the checks.
    codedeploy.on(GetDeploymentCommand).callsFake(() => new Promise(() => undefined));
    const { deps: d } = deps({ budget: timeBudget(() => 30_100, 30_000) });

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess
    expect(result).toMatchObject({
      status: 'Failed',
      reason: expect.stringContaining('reading the deployment'),
    });
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
  });

  it('reports Failed without invoking anything when the remaining time is all reserve', async () => {
    // Prepare
    const { deps: d } = deps({ budget: timeBudget(() => 20_000, 30_000) });

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess
    expect(result.status).toBe('Failed');
    expect(result.reason).toMatch(/no time left for the suite/);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
  });

  it('runs the cases concurrently up to the suite bound', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    const invoke: Invoker = async (request) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      return { payload: (request.payload as { runbook?: string }).runbook ? { gitSha: SHA } : { ok: true } };
    };
    const cases = Array.from({ length: 10 }, (_, i) => ({ name: `case-${i}`, payload: { i } }));
    const { deps: d } = deps({ invoke }, suiteOf(cases, { concurrency: 4 }));

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess
    expect(result.status).toBe('Succeeded');
    expect(result.cases).toHaveLength(11);
    expect(most).toBe(4);
  });

  const invalidSuites = [
    { case: 'not JSON', suite: '{ cases: [' },
    { case: 'no cases field', suite: {} },
    { case: 'a case without a name', suite: suiteOf([{ payload: {} }]) },
    { case: 'a case without a payload', suite: suiteOf([{ name: 'x' }]) },
    { case: 'an unknown expectation', suite: suiteOf([{ name: 'x', payload: {}, expect: { status: 200 } }]) },
    { case: 'duplicate case names', suite: suiteOf([okCase, okCase]) },
    { case: 'a zero concurrency', suite: suiteOf([okCase], { concurrency: 0 }) },
    { case: 'nothing to check', suite: suiteOf([], { checkBuildMetadata: false }) },
  ];

  it.each(invalidSuites)('reports Failed and invokes nothing for a suite with $case', async ({ suite }) => {
    // Prepare
    const { deps: d } = deps({}, suite);

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess
    expect(result.status).toBe('Failed');
    expect(result.reason).toMatch(/smoke suite/);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
  });

  const malformedEvents = [
    { case: 'no DeploymentId', event: { LifecycleEventHookExecutionId: 'x' }, field: 'DeploymentId' },
    {
      case: 'a malformed DeploymentId',
      event: { ...EVENT, DeploymentId: 'deploy-1' },
      field: 'DeploymentId',
    },
    {
      case: 'no LifecycleEventHookExecutionId',
      event: { DeploymentId: EVENT.DeploymentId },
      field: 'LifecycleEventHookExecutionId',
    },
    { case: 'not an object', event: 'd-A1B2C3D4E', field: undefined },
  ];

  it.each(malformedEvents)('throws for an event with $case, calling nothing', async ({ event, field }) => {
    // Prepare
    const { deps: d, ledger } = deps();

    // Act
    const attempt = preTraffic(d, event);

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'ValidationError', ...(field ? { field } : {}) });
    expect(codedeploy.calls()).toHaveLength(0);
    expect(lambda.calls()).toHaveLength(0);
    expect(ledger.records).toHaveLength(0);
  });

  it('retries a throttled report with backoff and then reports', async () => {
    // Prepare
    const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
    codedeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves({});
    const { deps: d } = deps();

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess
    expect(result.status).toBe('Succeeded');
    expect(reported()).toHaveLength(3);
    expect(new Set(reported().map((input) => input?.status))).toEqual(new Set(['Succeeded']));
  });

  it('throws when the status cannot be reported, after recording the failure', async () => {
    // Prepare
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(new Error('AccessDeniedException'));
    const { deps: d, ledger } = deps();

    // Act
    const attempt = preTraffic(d, EVENT);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReportError);
    expect(reported()).toHaveLength(1);
    expect(ledger.records[0]).toMatchObject({ outcome: 'failed', after: { reported: false } });
  });

  it('throws when throttling lasts until no time is left to report', async () => {
    // Prepare: 500 ms left in all, below the last-attempt threshold after the first try.
    codedeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    const { deps: d } = deps({ budget: timeBudget(() => 500, 0) }, suiteOf([], { checkBuildMetadata: true }));

    // Act
    const attempt = preTraffic(d, EVENT);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReportError);
    expect(reported()).toHaveLength(1);
  });

  it('skips the suite with SKIP_SMOKE, loudly: Succeeded, nothing invoked, audited as skipped', async () => {
    // Prepare
    const { deps: d, ledger } = deps({ config: { skip: true, suite: suiteOf([okCase]) } });

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess
    expect(result).toMatchObject({ status: 'Succeeded', skipped: true, cases: [] });
    expect(lambda.calls()).toHaveLength(0);
    expect(reported()).toEqual([expect.objectContaining({ status: 'Succeeded' })]);
    expect(silent.warn).toHaveBeenCalledWith(expect.stringContaining('SKIP_SMOKE=true'), expect.anything());
    expect(ledger.records[0]).toMatchObject({
      reason: expect.stringContaining('SKIP_SMOKE=true'),
      details: expect.objectContaining({ skipped: true }),
    });
  });

  it('reads the AppSpec from the application revision when the deployment does not carry it', async () => {
    // Prepare
    const revision = { revisionType: 'S3' as const, s3Location: { bucket: 'b', key: 'k' } };
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { applicationName: 'app', revision } });
    codedeploy.on(GetApplicationRevisionCommand).resolves({
      revision: { revisionType: 'String', string: { content: APPSPEC } },
    });
    const { deps: d } = deps();

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess
    expect(result).toMatchObject({ status: 'Succeeded', version: '7' });
    expect(codedeploy.commandCalls(GetApplicationRevisionCommand)[0]?.args[0].input).toEqual({
      applicationName: 'app',
      revision,
    });
  });

  it('falls back to TARGET_FUNCTION and its newest version only when the deployment has no AppSpec', async () => {
    // Prepare
    codedeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: {} });
    lambda.on(ListVersionsByFunctionCommand).resolves({
      Versions: [{ Version: '$LATEST' }, { Version: '6' }, { Version: '7' }],
    });
    const { deps: d } = deps({ config: { skip: false, suite: suiteOf([okCase]), targetFunction: FN } });

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess
    expect(result).toMatchObject({ status: 'Succeeded', functionName: FN, version: '7' });
  });

  it('reports Failed when the configuration could not be read', async () => {
    // Prepare
    const { deps: d } = deps({
      config: { skip: true, suite: suiteOf([okCase]), problem: 'SMOKE_RESERVE_MS: expected a number' },
    });

    // Act
    const result = await preTraffic(d, EVENT);

    // Assess: a broken configuration never passes for a skip.
    expect(result).toMatchObject({
      status: 'Failed',
      skipped: false,
      reason: expect.stringContaining('SMOKE_RESERVE_MS'),
    });
    expect(lambda.calls()).toHaveLength(0);
  });
  describe('during a change freeze', () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    const windowNow = () =>
      parseFreezeWindows(`${iso(Date.now() - 60_000)}/${iso(Date.now() + 600_000)} trading day close`);

    it('reports Failed naming the window before any smoke case runs, SKIP_SMOKE or not', async () => {
      // Prepare
      workloadAnswers();
      const { deps: d, ledger } = deps({
        config: { skip: true, suite: suiteOf([okCase]), freeze: { windows: windowNow() } },
      });

      // Act
      const result = await preTraffic(d, EVENT);

      // Assess
      expect(result).toMatchObject({
        status: 'Failed',
        reason: expect.stringMatching(
          /^change freeze: deployment d-A1B2C3D4E is refused until .* by window \[0\] ".*" \(trading day close\)/,
        ),
      });
      expect(lambda.calls()).toHaveLength(0);
      expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
      expect(ledger.records[0]).toMatchObject({ action: 'deploy.pre-traffic', outcome: 'failed' });
    });

    it.each(['codeDeployRollback', 'CloudFormationRollback'] as const)(
      'lets a rollback deployment (creator %s) through and runs the suite',
      async (creator) => {
        // Prepare
        workloadAnswers();
        codedeploy.on(GetDeploymentCommand).resolves({
          deploymentInfo: {
            creator,
            applicationName: 'app',
            revision: { revisionType: 'AppSpecContent', appSpecContent: { content: APPSPEC } },
          },
        });
        const { deps: d } = deps({
          config: { skip: false, suite: suiteOf([okCase]), freeze: { windows: windowNow() } },
        });

        // Act
        const result = await preTraffic(d, EVENT);

        // Assess
        expect(result).toMatchObject({ status: 'Succeeded', version: '7' });
      },
    );

    it('runs the suite as usual when an approval overrides the freeze', async () => {
      // Prepare
      workloadAnswers();
      const override = { approvalId: 'apr-7', approvedBy: ['alice', 'bob'] };
      const { deps: d } = deps({
        config: { skip: false, suite: suiteOf([okCase]), freeze: { windows: windowNow(), override } },
      });

      // Act
      const result = await preTraffic(d, EVENT);

      // Assess
      expect(result).toMatchObject({ status: 'Succeeded', version: '7' });
    });
  });
});

describe('pre-traffic handler', () => {
  it('reports Failed naming FREEZE_WINDOWS[i].field when a freeze window is malformed', async () => {
    // Prepare
    const restore = setEnv({
      AUDIT_TABLE: 'audit',
      OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:1:ops',
      SMOKE_SUITE: undefined,
      FREEZE_WINDOWS: 'weekdays 09:25-09:45 America/New_York; 2026-12-24T12:00Z/ year-end close',
    });
    dynamo.on(PutCommand).resolves({});
    sns.on(PublishCommand).resolves({});
    try {
      // Act
      const result = await handler(EVENT, lambdaContext({ timeoutMs: 120_000 }));

      // Assess
      expect(result).toMatchObject({
        status: 'Failed',
        reason: expect.stringMatching(
          /^pre-traffic configuration: FREEZE_WINDOWS\[1\]\.end: the window has no end/,
        ),
      });
      expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
      expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
    } finally {
      restore();
    }
  });

  it('reports Failed for a SMOKE_SUITE that is not valid, through the deployed wiring', async () => {
    // Prepare
    const restore = setEnv({
      AUDIT_TABLE: 'audit',
      OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:1:ops',
      SMOKE_SUITE: '[1,2',
    });
    dynamo.on(PutCommand).resolves({});
    sns.on(PublishCommand).resolves({});
    try {
      // Act
      const result = await handler(EVENT, lambdaContext({ timeoutMs: 120_000 }));

      // Assess
      expect(result).toMatchObject({ status: 'Failed', reason: 'the smoke suite is not valid JSON' });
      expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
      expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
    } finally {
      restore();
    }
  });

  it('fails the invocation when the status cannot be reported, so Lambda counts the error', async () => {
    // Prepare
    const restore = setEnv({ AUDIT_TABLE: 'audit', OPS_TOPIC_ARN: undefined, SMOKE_SUITE: undefined });
    dynamo.on(PutCommand).resolves({});
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(new Error('AccessDeniedException'));
    try {
      // Act
      const attempt = handler(EVENT, lambdaContext({ timeoutMs: 120_000 }));

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ReportError);
    } finally {
      restore();
    }
  });

  it('still reports when the audit ledger is misconfigured (no AUDIT_TABLE)', async () => {
    // Prepare
    const restore = setEnv({ AUDIT_TABLE: undefined, SMOKE_SUITE: undefined });
    try {
      // Act
      const result = await handler(EVENT, lambdaContext({ timeoutMs: 120_000 }));

      // Assess
      expect(result).toMatchObject({ reported: true });
      expect(result).not.toHaveProperty('auditId');
      expect(reported()).toHaveLength(1);
    } finally {
      restore();
    }
  });

  it('refuses a reserve below the floor: reports Failed at once, naming SMOKE_RESERVE_MS, invoking nothing', async () => {
    // Prepare: SMOKE_RESERVE_MS=0 would let a hanging case use the whole invocation.
    const restore = setEnv({
      AUDIT_TABLE: undefined,
      SMOKE_RESERVE_MS: '0',
      SMOKE_SUITE: JSON.stringify({ cases: [{ name: 'hangs', payload: {} }], checkBuildMetadata: false }),
    });
    lambda.on(InvokeCommand).callsFake(() => new Promise(() => undefined));
    const context = lambdaContext({ timeoutMs: 3_000 });
    let remainingAtReport = -1;
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake(() => {
      remainingAtReport = context.getRemainingTimeInMillis();
      return {};
    });
    try {
      // Act
      const result = await handler(EVENT, context);

      // Assess
      expect(result).toMatchObject({
        status: 'Failed',
        reason: `pre-traffic configuration: SMOKE_RESERVE_MS: must be at least ${REPORT_RESERVE_FLOOR_MS} ms, the time a hook keeps to report its status to CodeDeploy`,
      });
      expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
      expect(remainingAtReport).toBeGreaterThan(2_500);
      expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    } finally {
      restore();
    }
  });

  it('reports Failed before the deadline with the smallest allowed reserve and a case that hangs', async () => {
    // Prepare: the floor as reserve and 1.5 s for the checks; the only case never answers.
    const restore = setEnv({
      AUDIT_TABLE: undefined,
      SMOKE_RESERVE_MS: String(REPORT_RESERVE_FLOOR_MS),
      SMOKE_SUITE: JSON.stringify({
        cases: [{ name: 'hangs', payload: {}, timeoutMs: 600_000 }],
        checkBuildMetadata: false,
      }),
    });
    lambda.on(InvokeCommand).callsFake(() => new Promise(() => undefined));
    const context = lambdaContext({ timeoutMs: REPORT_RESERVE_FLOOR_MS + 1_500 });
    let remainingAtReport = -1;
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake(() => {
      remainingAtReport = context.getRemainingTimeInMillis();
      return {};
    });
    try {
      // Act
      const result = await handler(EVENT, context);

      // Assess: the case was cut off, and the report went out with (almost) the whole reserve left.
      expect(result).toMatchObject({ status: 'Failed', reported: true });
      expect(reported()).toEqual([expect.objectContaining({ status: 'Failed' })]);
      expect(remainingAtReport).toBeGreaterThan(REPORT_RESERVE_FLOOR_MS - 500);
    } finally {
      restore();
    }
  });

  it('throws for a malformed event, through the deployed wiring, calling nothing', async () => {
    // Act
    const attempt = handler({ DeploymentId: 'd-A1B2C3D4E' }, lambdaContext());

    // Assess
    await expect(attempt).rejects.toMatchObject({ field: 'LifecycleEventHookExecutionId' });
    expect(codedeploy.calls()).toHaveLength(0);
    expect(lambda.calls()).toHaveLength(0);
  });

  it('runs the bundled sample suite when SMOKE_SUITE is not set', async () => {
    // Prepare
    const restore = setEnv({ AUDIT_TABLE: 'audit', OPS_TOPIC_ARN: undefined, SMOKE_SUITE: undefined });
    dynamo.on(PutCommand).resolves({});
    try {
      // Act
      const result = await handler(EVENT, lambdaContext({ timeoutMs: 120_000 }));

      // Assess: the sample's cases ran (its "refused" case fails here: this fake workload refuses nothing).
      expect((result as { cases: { name: string }[] }).cases.map((item) => item.name)).toEqual([
        'build-metadata',
        'daily run answers ok',
        'malformed input is refused',
      ]);
    } finally {
      restore();
    }
  });
});

describe('smoke helpers', () => {
  it.each([
    [{ ok: true }, { ok: true, extra: 1 }, true],
    [{ a: { b: 1 } }, { a: { b: 1, c: 2 } }, true],
    [{ a: [1, 2] }, { a: [1, 2] }, true],
    [{ a: [1] }, { a: [1, 2] }, false],
    [{ ok: true }, { ok: 'true' }, false],
    [{ ok: true }, null, false],
  ])('containsSubset(%j, %j) is %s', (expected, actual, answer) => {
    expect(containsSubset(expected, actual)).toBe(answer);
  });

  it('reads the git sha a version description records, and matches short and full forms', () => {
    expect(recordedGitSha(`gitSha=${SHA} buildId=ci-1`)).toBe(SHA);
    expect(recordedGitSha('gitSha=unknown buildId=local')).toBeUndefined();
    expect(sameCommit(SHA.slice(0, 7), SHA)).toBe(true);
    expect(sameCommit(SHA, SHA.slice(0, 12))).toBe(true);
    expect(sameCommit('abcdef1', SHA)).toBe(false);
    expect(sameCommit(undefined, SHA)).toBe(false);
  });
});
