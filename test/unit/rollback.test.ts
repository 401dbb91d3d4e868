// What moto does not enforce or lacks (RevisionId conflicts, StopDeployment, CodeDeploy lookups with dates the
// SDK can parse), and bad input, driven with aws-sdk-client-mock. The happy paths run against moto in
// test/integration/rollback.test.ts.
import {
  ApplicationDoesNotExistException,
  CodeDeployClient,
  GetDeploymentCommand,
  ListDeploymentGroupsCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  ThrottlingException,
} from '@aws-sdk/client-codedeploy';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListVersionsByFunctionCommand,
  PreconditionFailedException,
  ResourceNotFoundException,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryEntry } from '../../functions/rollback/choose.js';
import { handler, isRollbackAlarm, rollbackConfig } from '../../functions/rollback/handler.js';
import {
  type RollbackConfig,
  type RollbackDeps,
  rollback,
  undoCommand,
} from '../../functions/rollback/rollback.js';
import type { RollbackRequest } from '../../functions/rollback/schema.js';
import { lambdaContext } from './support/context.js';
import { setEnv } from './support/env.js';
import { sampleEvent } from './support/events.js';
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
const NOW = new Date('2026-11-22T03:10:00.000Z');
const silent = { info: () => undefined, warn: () => undefined };

function deps(overrides: Partial<RollbackConfig> = {}, history: HistoryEntry[] = []) {
  const ledger = fakeLedger({ history, at: NOW.toISOString() });
  const value: RollbackDeps = {
    lambda: new LambdaClient({}),
    codedeploy: new CodeDeployClient({}),
    ledger,
    logger: silent,
    now: () => NOW,
    config: { rollbackAlarms: [], cooldownMinutes: 15, ...overrides },
  };
  return { deps: value, ledger };
}

function request(fields: Partial<RollbackRequest> = {}): RollbackRequest {
  return {
    functionName: FN,
    alias: 'live',
    reason: 'version 3 fails every order',
    dryRun: false,
    force: false,
    ...fields,
  };
}

/**
 * GetAlias answers `version` only once released (or after a second, when nothing releases it): a test releases it
 * from another read, to see whether that read was asked while the alias was still being read.
 */
function aliasHeldOnVersion(version: string) {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
    setTimeout(resolve, 1_000);
  });
  let answered = false;
  lambda.on(GetAliasCommand).callsFake(async () => {
    await released;
    answered = true;
    return aliasOn(version);
  });
  return { release: () => release(), answered: () => answered };
}

const person = { door: 'direct' as const, actor: 'cli:alice@laptop', correlationId: 'req-1' };
const alarm = { door: 'alarm' as const, actor: 'alarm:trading-errors', correlationId: 'msg-1' };

const appSpec = (from: string, to: string, name = FN) =>
  JSON.stringify({
    version: 0.0,
    Resources: [
      {
        trading: {
          Type: 'AWS::Lambda::Function',
          Properties: { Name: name, Alias: 'live', CurrentVersion: from, TargetVersion: to },
        },
      },
    ],
  });

function aliasOn(version: string, revision = 'rev-1', weights?: Record<string, number>) {
  return {
    Name: 'live',
    FunctionVersion: version,
    RevisionId: revision,
    ...(weights ? { RoutingConfig: { AdditionalVersionWeights: weights } } : {}),
  };
}

function publishedVersions(...numbers: string[]) {
  return {
    Versions: [
      { Version: '$LATEST' },
      ...numbers.map((n) => ({ Version: n, Description: `gitSha=${n.repeat(7)}abc buildId=ci-${n}` })),
    ],
  };
}

beforeEach(() => {
  lambda.reset();
  codedeploy.reset();
  dynamo.reset();
  sns.reset();
});

describe('rollback', () => {
  it('moves live back to the last good version and clears canary weights, with the RevisionId just read', async () => {
    // Prepare
    const { deps: d, ledger } = deps();
    lambda.on(GetAliasCommand).resolves(aliasOn('3', 'rev-7', { '2': 0.1 }));
    lambda.on(ListVersionsByFunctionCommand).resolves(publishedVersions('1', '2', '3', '4'));
    lambda.on(UpdateAliasCommand).resolves({});

    // Act
    const result = await rollback(d, request(), person);

    // Assess
    expect(lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input).toEqual({
      FunctionName: FN,
      Name: 'live',
      FunctionVersion: '2',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'rev-7',
    });
    expect(result).toMatchObject({
      functionName: FN,
      alias: 'live',
      fromVersion: '3',
      toVersion: '2',
      chosenBy: 'previous-published',
      clearedWeights: { '2': 0.1 },
      changed: true,
      dryRun: false,
      undo: undoCommand(FN, 'live', '3', result.auditId),
    });
    expect(result.undo).toBe(
      `runbook rollback --function trading --alias live --to-version 3 --reason 'undo rollback ${result.auditId}' --force`,
    );
    expect(result.note).toMatch(/CloudFormation stack/);
    expect(ledger.records).toEqual([
      expect.objectContaining({
        action: 'rollback',
        actor: 'cli:alice@laptop',
        target: 'function:trading:live',
        outcome: 'succeeded',
        before: { version: '3', routing: { '2': 0.1 }, revisionId: 'rev-7' },
        after: { version: '2', routing: {} },
        undo: result.undo,
        auditId: result.auditId,
      }),
    ]);
  });

  it('mid-canary, keeps the primary version and removes the canary weight', async () => {
    // Prepare
    const { deps: d } = deps();
    lambda.on(GetAliasCommand).resolves(aliasOn('3', 'rev-3', { '4': 0.1 }));
    lambda.on(ListVersionsByFunctionCommand).resolves(publishedVersions('1', '2', '3', '4'));
    lambda.on(UpdateAliasCommand).resolves({});

    // Act
    const result = await rollback(d, request(), person);

    // Assess
    expect(lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input).toMatchObject({
      FunctionVersion: '3',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'rev-3',
    });
    expect(result).toMatchObject({ chosenBy: 'canary-primary', clearedWeights: { '4': 0.1 }, changed: true });
  });

  it('answers the rollback it made, saying so, when the audit record cannot be written afterwards', async () => {
    // Prepare
    const { deps: d, ledger } = deps();
    const metrics = { addMetric: vi.fn() };
    lambda.on(GetAliasCommand).resolves(aliasOn('3'));
    lambda.on(ListVersionsByFunctionCommand).resolves(publishedVersions('1', '2', '3'));
    lambda.on(UpdateAliasCommand).resolves({});
    ledger.record.mockRejectedValueOnce(new Error('ProvisionedThroughputExceededException: slow down'));

    // Act
    const result = await rollback({ ...d, metrics }, request(), person);

    // Assess
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(1);
    expect(result).toMatchObject({
      changed: true,
      toVersion: '2',
      undo: undoCommand(FN, 'live', '3', result.auditId),
      notified: false,
      unrecorded: expect.stringMatching(/^the change was made but not recorded: .*slow down/),
    });
    expect(metrics.addMetric).toHaveBeenCalledWith('Rollback', 'Count', 1);
  });

  it('does nothing when the alias already serves the target with no weights', async () => {
    // Prepare
    const { deps: d, ledger } = deps();
    lambda.on(GetAliasCommand).resolves(aliasOn('2'));
    lambda.on(GetFunctionConfigurationCommand).resolves({ Version: '2' });

    // Act
    const result = await rollback(d, request({ toVersion: '2' }), person);

    // Assess
    expect(result).toMatchObject({ changed: false, undo: null, toVersion: '2' });
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0);
    expect(ledger.records[0]?.outcome).toBe('unchanged');
  });

  it('on a RevisionId conflict succeeds unchanged if the alias is already on the target', async () => {
    // Prepare
    const { deps: d } = deps();
    lambda.on(GetAliasCommand).resolvesOnce(aliasOn('3', 'rev-1')).resolves(aliasOn('2', 'rev-2'));
    lambda.on(GetFunctionConfigurationCommand).resolves({ Version: '2' });
    lambda
      .on(UpdateAliasCommand)
      .rejects(new PreconditionFailedException({ message: 'revision mismatch', $metadata: {} }));

    // Act
    const result = await rollback(d, request({ toVersion: '2' }), person);

    // Assess
    expect(result).toMatchObject({ changed: false, toVersion: '2', undo: null });
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(1);
  });

  it('on a RevisionId conflict to anything else answers 409 naming what changed, without a second write', async () => {
    // Prepare
    const { deps: d, ledger } = deps();
    lambda
      .on(GetAliasCommand)
      .resolvesOnce(aliasOn('3', 'rev-1'))
      .resolves(aliasOn('4', 'rev-2', { '5': 0.2 }));
    lambda.on(GetFunctionConfigurationCommand).resolves({ Version: '2' });
    lambda
      .on(UpdateAliasCommand)
      .rejects(new PreconditionFailedException({ message: 'revision mismatch', $metadata: {} }));

    // Act
    const act = rollback(d, request({ toVersion: '2' }), person);

    // Assess
    await expect(act).rejects.toMatchObject({
      statusCode: 409,
      field: 'alias',
      message: expect.stringContaining('it was version 3, it is now version 4 with weights {"5":0.2}'),
    });
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(1);
    expect(ledger.records[0]?.outcome).toBe('failed');
  });

  it('stops a deployment in flight with auto-rollback and reports it, then clears what is left', async () => {
    // Prepare
    const { deps: d, ledger } = deps({ codeDeployApplication: 'trading-app' });
    lambda
      .on(GetAliasCommand)
      .resolvesOnce(aliasOn('2', 'rev-1', { '3': 0.1 }))
      .resolves(aliasOn('2', 'rev-2', { '3': 0.1 }));
    lambda.on(UpdateAliasCommand).resolves({});
    codedeploy
      .on(ListDeploymentGroupsCommand)
      .resolves({ deploymentGroups: ['other-group', 'trading-group'] });
    codedeploy
      .on(ListDeploymentsCommand, { deploymentGroupName: 'other-group' })
      .resolves({ deployments: ['d-OTHER'] })
      .on(ListDeploymentsCommand, { deploymentGroupName: 'trading-group' })
      .resolves({ deployments: ['d-CANARY'] });
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: 'd-OTHER' })
      .resolves({
        deploymentInfo: {
          revision: {
            revisionType: 'AppSpecContent',
            appSpecContent: { content: appSpec('7', '8', 'pricing') },
          },
        },
      })
      .on(GetDeploymentCommand, { deploymentId: 'd-CANARY' })
      .resolves({
        deploymentInfo: {
          createTime: new Date('2026-11-22T03:00:00Z'),
          revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec('2', '3') } },
        },
      });
    codedeploy.on(StopDeploymentCommand).resolves({ status: 'Pending' });

    // Act
    const result = await rollback(d, request(), alarm);

    // Assess
    expect(codedeploy.commandCalls(ListDeploymentsCommand)[0]?.args[0].input.includeOnlyStatuses).toEqual([
      'Created',
      'Queued',
      'InProgress',
      'Ready',
    ]);
    expect(codedeploy.commandCalls(StopDeploymentCommand)[0]?.args[0].input).toEqual({
      deploymentId: 'd-CANARY',
      autoRollbackEnabled: true,
    });
    expect(lambda.commandCalls(UpdateAliasCommand)[0]?.args[0].input).toMatchObject({
      FunctionVersion: '2',
      RoutingConfig: { AdditionalVersionWeights: {} },
      RevisionId: 'rev-2',
    });
    expect(result).toMatchObject({
      stoppedDeploymentId: 'd-CANARY',
      chosenBy: 'in-flight-deployment',
      toVersion: '2',
      changed: true,
    });
    expect(ledger.records[0]?.details).toMatchObject({ deployment: { deploymentId: 'd-CANARY' } });
  });

  it('does not write the alias when CodeDeploy already moved it back after the stop', async () => {
    // Prepare
    const { deps: d } = deps({ codeDeployApplication: 'trading-app' });
    lambda
      .on(GetAliasCommand)
      .resolvesOnce(aliasOn('2', 'rev-1', { '3': 0.5 }))
      .resolves(aliasOn('2', 'rev-2'));
    codedeploy.on(ListDeploymentGroupsCommand).resolves({ deploymentGroups: ['trading-group'] });
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-1'] });
    codedeploy.on(GetDeploymentCommand).resolves({
      deploymentInfo: {
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec('2', '3') } },
      },
    });
    codedeploy.on(StopDeploymentCommand).resolves({});

    // Act
    const result = await rollback(d, request(), person);

    // Assess
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0);
    expect(result).toMatchObject({ changed: true, stoppedDeploymentId: 'd-1' });
  });

  it('chooses the version before the last successful deployment when the ledger has none', async () => {
    // Prepare
    const { deps: d } = deps({ codeDeployApplication: 'trading-app' });
    lambda.on(GetAliasCommand).resolves(aliasOn('4'));
    lambda.on(ListVersionsByFunctionCommand).resolves(publishedVersions('1', '2', '3', '4'));
    lambda.on(UpdateAliasCommand).resolves({});
    codedeploy.on(ListDeploymentGroupsCommand).resolves({ deploymentGroups: ['trading-group'] });
    codedeploy
      .on(ListDeploymentsCommand, { includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Ready'] })
      .resolves({ deployments: [] })
      .on(ListDeploymentsCommand, { includeOnlyStatuses: ['Succeeded'] })
      .resolves({ deployments: ['d-NEW', 'd-OLD'] });
    codedeploy
      .on(GetDeploymentCommand, { deploymentId: 'd-NEW' })
      .resolves({
        deploymentInfo: {
          createTime: new Date('2026-11-22T02:00:00Z'),
          revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec('2', '4') } },
        },
      })
      .on(GetDeploymentCommand, { deploymentId: 'd-OLD' })
      .resolves({
        deploymentInfo: {
          createTime: new Date('2026-11-20T02:00:00Z'),
          revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec('1', '2') } },
        },
      });

    // Act
    const result = await rollback(d, request(), person);

    // Assess
    expect(result).toMatchObject({ toVersion: '2', chosenBy: 'codedeploy' });
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  it('treats a missing CodeDeploy application as no deployment in flight', async () => {
    // Prepare
    const { deps: d } = deps({ codeDeployApplication: 'gone' });
    lambda.on(GetAliasCommand).resolves(aliasOn('3'));
    lambda.on(ListVersionsByFunctionCommand).resolves(publishedVersions('1', '2', '3'));
    lambda.on(UpdateAliasCommand).resolves({});
    codedeploy.on(ListDeploymentGroupsCommand).rejects(
      new ApplicationDoesNotExistException({
        message: 'No application found for name: gone',
        $metadata: {},
      }),
    );

    // Act
    const result = await rollback(d, request(), person);

    // Assess
    expect(result).toMatchObject({ changed: true, toVersion: '2' });
  });

  it('fails closed on any other CodeDeploy error: no alias write', async () => {
    // Prepare
    const { deps: d } = deps({ codeDeployApplication: 'trading-app' });
    lambda.on(GetAliasCommand).resolves(aliasOn('3'));
    codedeploy
      .on(ListDeploymentGroupsCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));

    // Act
    const act = rollback(d, request(), alarm);

    // Assess
    await expect(act).rejects.toMatchObject({ code: 'DependencyFailed', statusCode: 502 });
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });

  it('holds an alarm-triggered rollback within the cool-down, and refuses a person without force', async () => {
    // Prepare: a rollback 5 minutes ago (3 -> 2), then someone moved the alias to 4.
    const recent: HistoryEntry = {
      auditId: '20261122T030500000Z-aaaa',
      at: '2026-11-22T03:05:00.000Z',
      action: 'rollback',
      outcome: 'succeeded',
      dryRun: false,
      before: { version: '3' },
      after: { version: '2' },
      details: { chosenBy: 'previous-published' },
    };
    const { deps: d, ledger } = deps({}, [recent]);
    lambda.on(GetAliasCommand).resolves(aliasOn('4'));
    lambda.on(ListVersionsByFunctionCommand).resolves(publishedVersions('1', '2', '3', '4'));
    lambda.on(UpdateAliasCommand).resolves({});

    // Act
    const held = await rollback(d, request(), alarm);
    const refused = rollback(d, request(), person);

    // Assess
    expect(held).toMatchObject({
      changed: false,
      heldByCooldown: { auditId: recent.auditId, until: '2026-11-22T03:20:00.000Z' },
    });
    await expect(refused).rejects.toMatchObject({ statusCode: 409, field: 'force' });
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0);
    expect(ledger.records[0]?.details).toMatchObject({ heldByCooldown: { auditId: recent.auditId } });

    // Act: a person forces it
    const forced = await rollback(d, request({ force: true }), person);

    // Assess
    expect(forced).toMatchObject({ changed: true, toVersion: '2' });
  });

  it('lets the cool-down lapse', async () => {
    // Prepare
    const old: HistoryEntry = {
      auditId: 'old',
      at: '2026-11-22T02:50:00.000Z',
      action: 'rollback',
      outcome: 'succeeded',
      dryRun: false,
      before: { version: '3' },
      after: { version: '2' },
    };
    const { deps: d } = deps({}, [old]);
    lambda.on(GetAliasCommand).resolves(aliasOn('4'));
    lambda.on(ListVersionsByFunctionCommand).resolves(publishedVersions('1', '2', '3', '4'));
    lambda.on(UpdateAliasCommand).resolves({});

    // Act
    const result = await rollback(d, request(), alarm);

    // Assess
    expect(result).toMatchObject({ changed: true, toVersion: '2' });
  });

  it('dry run reads everything and returns the plan without a write', async () => {
    // Prepare
    const { deps: d, ledger } = deps();
    lambda.on(GetAliasCommand).resolves(aliasOn('3', 'rev-1', { '2': 0.1 }));
    lambda.on(ListVersionsByFunctionCommand).resolves(publishedVersions('1', '2', '3', '4'));

    // Act
    const result = await rollback(d, request({ dryRun: true }), person);

    // Assess
    expect(result).toMatchObject({ dryRun: true, changed: false, toVersion: '2', fromVersion: '3' });
    expect(result.note).toContain('would move live from version 3 with weights {"2":0.1} to version 2');
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0);
    expect(ledger.records[0]).toMatchObject({ outcome: 'planned', dryRun: true });
  });

  it('refuses a function other than the watched one before any AWS call', async () => {
    // Prepare
    const { deps: d } = deps({ watchedFunction: 'trading' });

    // Act
    const act = rollback(d, request({ functionName: 'payroll' }), person);

    // Assess
    await expect(act).rejects.toMatchObject({ statusCode: 400, field: 'functionName' });
    expect(lambda.calls()).toHaveLength(0);
  });

  it('reads the alias, the ledger and the deployment groups at once, not one after the other', async () => {
    // Prepare: the alias answers only once the two other reads have been asked (or after a second, when they
    // wait for it).
    const { deps: d, ledger } = deps({ codeDeployApplication: 'trading-app' });
    const list = vi.spyOn(ledger, 'list');
    const alias = aliasHeldOnVersion('3');
    const askedBeforeTheAlias: string[] = [];
    codedeploy.on(ListDeploymentGroupsCommand).callsFake(async () => {
      if (!alias.answered()) askedBeforeTheAlias.push('deployment groups');
      if (!alias.answered() && list.mock.calls.length > 0) askedBeforeTheAlias.push('ledger');
      alias.release();
      return { deploymentGroups: [] };
    });
    lambda.on(ListVersionsByFunctionCommand).resolves(publishedVersions('1', '2', '3'));

    // Act
    const result = await rollback(d, request({ dryRun: true }), person);

    // Assess
    expect(askedBeforeTheAlias).toEqual(['deployment groups', 'ledger']);
    expect(result).toMatchObject({ fromVersion: '3', toVersion: '2', dryRun: true });
  });

  it.each([
    [
      'CodeDeploy',
      () =>
        codedeploy
          .on(ListDeploymentGroupsCommand)
          .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} })),
    ],
    [
      'the listing of versions',
      () =>
        lambda
          .on(ListVersionsByFunctionCommand)
          .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} })),
    ],
  ])(
    'answers the first failure in reading order when reads at once fail: the missing alias, not %s',
    async (_, failsAtOnce) => {
      // Prepare: the other read fails at once; the alias is found missing later.
      const { deps: d } = deps({ codeDeployApplication: 'trading-app' });
      lambda.on(GetAliasCommand).callsFake(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new ResourceNotFoundException({ message: 'Function not found', $metadata: {} });
      });
      lambda.on(GetFunctionConfigurationCommand).resolves({});
      failsAtOnce();

      // Act
      const act = rollback(d, request({ alias: 'blue' }), person);

      // Assess
      await expect(act).rejects.toMatchObject({ statusCode: 404, field: 'alias' });
      expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0);
    },
  );

  it('lists the published versions alongside the alias when no version is named, and not at all when one is', async () => {
    // Prepare: the alias answers only once the versions have been asked for (or after a second).
    const { deps: d } = deps();
    const alias = aliasHeldOnVersion('3');
    let listedBeforeTheAlias = false;
    lambda.on(ListVersionsByFunctionCommand).callsFake(async () => {
      listedBeforeTheAlias ||= !alias.answered();
      alias.release();
      return publishedVersions('1', '2', '3');
    });
    lambda.on(GetFunctionConfigurationCommand).resolves({});

    // Act
    const byRules = await rollback(d, request({ dryRun: true }), person);
    const listings = lambda.commandCalls(ListVersionsByFunctionCommand).length;
    const named = await rollback(d, request({ dryRun: true, toVersion: '1' }), person);

    // Assess
    expect(listedBeforeTheAlias).toBe(true);
    expect(byRules).toMatchObject({ fromVersion: '3', toVersion: '2' });
    expect(named).toMatchObject({ fromVersion: '3', toVersion: '1' });
    expect(listings).toBe(1);
    expect(lambda.commandCalls(ListVersionsByFunctionCommand)).toHaveLength(1);
  });

  it('stops an in-flight deployment even when the versions read alongside could not be listed', async () => {
    // Prepare: a deployment is shifting live from 3 to 4; listing versions is throttled.
    const { deps: d } = deps({ codeDeployApplication: 'trading-app' });
    lambda.on(GetAliasCommand).resolves(aliasOn('3', 'rev-1', { '4': 0.1 }));
    lambda
      .on(ListVersionsByFunctionCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    codedeploy.on(ListDeploymentGroupsCommand).resolves({ deploymentGroups: ['trading-group'] });
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-CANARY'] });
    codedeploy.on(GetDeploymentCommand).resolves({
      deploymentInfo: {
        createTime: new Date('2026-11-22T03:00:00Z'),
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec('3', '4') } },
      },
    });

    // Act
    const result = await rollback(d, request({ dryRun: true }), person);

    // Assess
    expect(result).toMatchObject({ dryRun: true, toVersion: '3', chosenBy: 'in-flight-deployment' });
  });

  it('names the missing alias, the missing function, and the missing version', async () => {
    // Prepare
    const { deps: d } = deps();
    const notFound = () => new ResourceNotFoundException({ message: 'Function not found', $metadata: {} });
    // trading exists with alias live and versions 1-3; there is no function nope, no alias blue, no version 9.
    lambda.on(GetAliasCommand).callsFake(async (input: { FunctionName: string; Name: string }) => {
      if (input.FunctionName !== FN || input.Name !== 'live') throw notFound();
      return aliasOn('3');
    });
    lambda
      .on(GetFunctionConfigurationCommand)
      .callsFake(async (input: { FunctionName: string; Qualifier?: string }) => {
        if (input.FunctionName !== FN || input.Qualifier === '9') throw notFound();
        return {};
      });

    // Act / Assess
    await expect(rollback(d, request({ alias: 'blue' }), person)).rejects.toMatchObject({
      statusCode: 404,
      field: 'alias',
    });
    await expect(rollback(d, request({ functionName: 'nope' }), person)).rejects.toMatchObject({
      statusCode: 404,
      field: 'functionName',
    });
    await expect(rollback(d, request({ toVersion: '9' }), person)).rejects.toMatchObject({
      statusCode: 404,
      field: 'toVersion',
    });
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0);
  });
});

describe('rollbackConfig and isRollbackAlarm', () => {
  it('reads the alarms, the cool-down (default 15) and an empty CodeDeploy application as none', () => {
    // Act
    const config = rollbackConfig({ ROLLBACK_ALARMS: 'a-errors, b-*', CODEDEPLOY_APPLICATION: '' });

    // Assess
    expect(config).toEqual({ rollbackAlarms: ['a-errors', 'b-*'], cooldownMinutes: 15 });
    expect(isRollbackAlarm('a-errors', config.rollbackAlarms)).toBe(true);
    expect(isRollbackAlarm('b-anything', config.rollbackAlarms)).toBe(true);
    expect(isRollbackAlarm('a-errors-2', config.rollbackAlarms)).toBe(false);
    expect(() => rollbackConfig({ ROLLBACK_COOLDOWN_MINUTES: 'soon' })).toThrow(/ROLLBACK_COOLDOWN_MINUTES/);
  });
});

// ------------------------------------------------------------------------------------ through the handler

const direct = (fields: Record<string, unknown>) => ({ actor: 'cli:alice@laptop', ...fields });
const valid = { functionName: FN, reason: 'version 3 fails every order' };

function alarmEvent(mutate: (message: Record<string, unknown>) => unknown): SNSEvent {
  const event = sampleEvent<SNSEvent>('sns/alarm-rollback-alarm.json');
  const sns = event.Records[0]?.Sns as SNSEvent['Records'][number]['Sns'];
  const message = JSON.parse(sns.Message) as Record<string, unknown>;
  const changed = mutate(message);
  sns.Message = typeof changed === 'string' ? changed : JSON.stringify(message);
  return event;
}

const invalidRequests: [string, unknown, string][] = [
  ['missing functionName', direct({ reason: valid.reason }), 'functionName'],
  ['empty functionName', direct({ ...valid, functionName: '' }), 'functionName'],
  ['malformed alias', direct({ ...valid, alias: 'live alias!' }), 'alias'],
  ['all-digit alias', direct({ ...valid, alias: '7' }), 'alias'],
  ['toVersion $LATEST', direct({ ...valid, toVersion: '$LATEST' }), 'toVersion'],
  ['non-numeric toVersion', direct({ ...valid, toVersion: 'v2' }), 'toVersion'],
  ['empty toVersion', direct({ ...valid, toVersion: '' }), 'toVersion'],
  ['both toVersion and toGitSha', direct({ ...valid, toVersion: '2', toGitSha: 'abcdef1' }), 'toGitSha'],
  ['malformed toGitSha', direct({ ...valid, toGitSha: 'HEAD~1' }), 'toGitSha'],
  ['missing reason', direct({ functionName: FN }), 'reason'],
  ['too short a reason', direct({ ...valid, reason: ' x ' }), 'reason'],
  ['oversize reason', direct({ ...valid, reason: 'x'.repeat(501) }), 'reason'],
  ['dryRun not a boolean', direct({ ...valid, dryRun: 'yes' }), 'dryRun'],
  ['unknown field', direct({ ...valid, version: '2' }), '(root)'],
  ['malformed alarm message', alarmEvent(() => 'not json'), 'Sns.Message'],
  [
    'alarm with an unknown state',
    alarmEvent((m) => Object.assign(m, { NewStateValue: 'BROKEN' })),
    'Sns.Message.NewStateValue',
  ],
  [
    'alarm without a FunctionName dimension',
    alarmEvent((m) => Object.assign(m, { Trigger: { Dimensions: [] } })),
    'Sns.Message.Trigger.Dimensions',
  ],
];

describe('the rollback handler', () => {
  let restore: () => void;

  beforeEach(() => {
    restore = setEnv({
      AUDIT_TABLE: 'audit',
      OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:ops',
      WATCHED_FUNCTION: FN,
      ROLLBACK_ALARMS: 'runbook-local-workload-errors',
      ROLLBACK_COOLDOWN_MINUTES: '15',
      CODEDEPLOY_APPLICATION: '',
    });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutCommand).resolves({});
    sns.on(PublishCommand).resolves({});
  });

  afterEach(() => restore());

  it.each(invalidRequests)(
    'refuses %s naming the field, and sends no mutating call',
    async (_name, event, field) => {
      // Act
      const result = (await handler(event, lambdaContext())) as { ok: boolean; error: { field?: string } };

      // Assess
      expect(result.ok).toBe(false);
      if (field) expect(result.error.field).toBe(field);
      else expect(result.error.field).toBeUndefined();
      expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0);
      expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    },
  );

  it('acknowledges OK and ignores alarms not configured as rollback triggers, with no AWS call', async () => {
    // Prepare
    const other = alarmEvent((m) => Object.assign(m, { AlarmName: 'pricing-latency' }));

    // Act
    const ok = await handler(sampleEvent('sns/alarm-rollback-ok.json'), lambdaContext());
    const ignored = await handler(other, lambdaContext());

    // Assess
    expect(ok).toMatchObject({ ok: true, acknowledged: true, acted: false, state: 'OK' });
    expect(ignored).toMatchObject({ ok: true, acknowledged: true, acted: false, alarm: 'pricing-latency' });
    expect(lambda.calls()).toHaveLength(0);
  });

  it('acts on ALARM: function and alias from the dimensions, actor and reason from the alarm', async () => {
    // Prepare
    const event = alarmEvent((m) => {
      (m.Trigger as { Dimensions: { name: string; value: string }[] }).Dimensions = [
        { name: 'FunctionName', value: FN },
        { name: 'Resource', value: `${FN}:live` },
      ];
    });
    lambda.on(GetAliasCommand).resolves(aliasOn('3'));
    lambda.on(ListVersionsByFunctionCommand).resolves(publishedVersions('1', '2', '3'));
    lambda.on(UpdateAliasCommand).resolves({});

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(result).toMatchObject({
      ok: true,
      acted: true,
      functionName: FN,
      alias: 'live',
      toVersion: '2',
      changed: true,
    });
    const item = dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item as Record<string, unknown>;
    expect(item).toMatchObject({ actor: 'alarm:runbook-local-workload-errors', action: 'rollback' });
    expect(String(item.reason)).toMatch(/^runbook-local-workload-errors: Threshold Crossed/);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('answers POST /rollback with 200 and the result, the actor being the caller’s IAM ARN', async () => {
    // Prepare
    const event = sampleEvent<{ body: string }>('apigw/rollback.json');
    event.body = JSON.stringify({
      functionName: FN,
      toVersion: '1',
      reason: 'back to the last audited build',
    });
    lambda.on(GetAliasCommand).resolves(aliasOn('3'));
    lambda.on(GetFunctionConfigurationCommand).resolves({ Version: '1' });
    lambda.on(UpdateAliasCommand).resolves({});

    // Act
    const response = (await handler(event, lambdaContext())) as { statusCode: number; body: string };

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ ok: true, toVersion: '1', chosenBy: 'toVersion' });
    const item = dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item as Record<string, unknown>;
    expect(item.actor).toBe('arn:aws:sts::123456789012:assumed-role/OnCall/alice');
  });
});
