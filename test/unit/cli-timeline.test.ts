// `runbook timeline --stack NAME`: a deployed stack read with the operator's own credentials — its AuditTable
// and watch settings from CloudFormation and its functions' configuration, then only reads (mocked SDK).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setOutputMode } from '../../cli/output.js';
import { runTimeline } from '../../cli/timeline.js';
import { setEnv } from './support/env.js';

const cloudformation = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const codedeploy = mockClient(CodeDeployClient);
const cloudwatch = mockClient(CloudWatchClient);

const STACK_ID = 'arn:aws:cloudformation:eu-west-1:111122223333:stack/prod/abc';
/** A stack with the fleet: its audit table, the rollback function and the fleet function. */
const WITH_FLEET = [
  { LogicalResourceId: 'AuditTable', PhysicalResourceId: 'prod-AuditTable-1XYZ', StackId: STACK_ID },
  { LogicalResourceId: 'RollbackFunction', PhysicalResourceId: 'prod-Rollback-1', StackId: STACK_ID },
  { LogicalResourceId: 'FleetFunction', PhysicalResourceId: 'prod-Fleet-1', StackId: STACK_ID },
] as never;

describe('runbook timeline --stack', () => {
  let restore: () => void;

  beforeEach(() => {
    for (const mock of [cloudformation, lambda, dynamo, codedeploy, cloudwatch]) mock.reset();
    restore = setEnv({ AWS_REGION: 'eu-west-1' });
    setOutputMode({ json: true, verbose: false });
    cloudformation.on(DescribeStackResourcesCommand).resolves({
      StackResources: [
        { LogicalResourceId: 'AuditTable', PhysicalResourceId: 'prod-AuditTable-1XYZ', StackId: STACK_ID },
        { LogicalResourceId: 'RollbackFunction', PhysicalResourceId: 'prod-Rollback-1', StackId: STACK_ID },
        {
          LogicalResourceId: 'CanaryAnalystFunction',
          PhysicalResourceId: 'prod-Canary-1',
          StackId: STACK_ID,
        },
      ] as never,
    });
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'prod-Rollback-1' }).resolves({
      Environment: {
        Variables: {
          WATCHED_FUNCTION: 'trading',
          ROLLBACK_ALARMS: 'trading-errors',
          KILLSWITCH_ALARMS: 'trading-runaway',
          CODEDEPLOY_APPLICATION: '',
        },
      },
    });
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'prod-Canary-1' }).resolves({
      Environment: {
        Variables: { CANARY_APPLICATION: 'trading-app', CANARY_DEPLOYMENT_GROUPS: 'trading-group' },
      },
    });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
    cloudwatch.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
  });

  afterEach(() => restore());

  it('says where it reads, reads the stack’s ledger, deployments and alarms, and writes nothing there', async () => {
    // Prepare
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = join(mkdtempSync(join(tmpdir(), 'timeline-')), 'timeline.md');

    // Act
    const code = await runTimeline({ args: [], stack: 'prod', since: '2h', format: 'markdown', out });

    // Assess
    const said = stderr.mock.calls.map((call) => String(call[0])).join('');
    stderr.mockRestore();
    expect(code).toBe(0);
    expect(said).toContain(
      'runbook: target: stack prod in account 111122223333, region eu-west-1, with your AWS credentials (read only)',
    );
    expect(readFileSync(out, 'utf8')).toContain('| Time (UTC) | Kind | What | Who | Outcome | Undo |');
    expect(cloudformation.commandCalls(DescribeStackResourcesCommand)[0]?.args[0].input).toEqual({
      StackName: 'prod',
    });
    expect(new Set(dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input.TableName))).toEqual(
      new Set(['prod-AuditTable-1XYZ']),
    );
    expect(codedeploy.commandCalls(ListDeploymentsCommand)[0]?.args[0].input).toMatchObject({
      applicationName: 'trading-app',
      deploymentGroupName: 'trading-group',
    });
    expect(
      cloudwatch.commandCalls(DescribeAlarmHistoryCommand).map((call) => call.args[0].input.AlarmName),
    ).toEqual(['trading-errors', 'trading-runaway']);
    const sent = [cloudformation, lambda, dynamo, codedeploy, cloudwatch].flatMap((mock) =>
      mock.calls().map((call) => (call.args[0] as object).constructor.name),
    );
    expect(sent.every((name) => /^(Describe|Get|List|Query|BatchGet)/.test(name))).toBe(true);
  });

  it('reads the workloads of the stack’s WatchList parameter from its fleet function, and nothing else of it', async () => {
    // Prepare
    cloudformation.on(DescribeStackResourcesCommand).resolves({ StackResources: WITH_FLEET });
    const watchList = {
      accounts: [],
      workloads: [
        { name: 'quotes', functionName: 'quote-ingest', alias: 'current', alarms: ['quotes-stale'] },
      ],
    };
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'prod-Fleet-1' }).resolves({
      Environment: {
        Variables: { WATCH_LIST: JSON.stringify(watchList), KILLSWITCH_ALARMS: 'not-the-stack-s' },
      },
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);

    // Act
    const code = await runTimeline({ args: [], stack: 'prod', since: '2h', workload: ['quotes'] });

    // Assess
    stderr.mockRestore();
    stdout.mockRestore();
    expect(code).toBe(0);
    expect(
      cloudwatch.commandCalls(DescribeAlarmHistoryCommand).map((call) => call.args[0].input.AlarmName),
    ).toEqual(['quotes-stale']);
    expect(lambda.commandCalls(GetFunctionConfigurationCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: 'prod-Rollback-1' },
      { FunctionName: 'prod-Fleet-1' },
    ]);
  });

  it('reads the stack’s own workload whole from its fleet function: its kill switch and its drains are on its timeline', async () => {
    // Prepare: the rollback function knows the watched function; the fleet function also knows its schedule
    // group and DLQ (the only functions that carry them besides the kill switch and the drainer)
    cloudformation.on(DescribeStackResourcesCommand).resolves({ StackResources: WITH_FLEET });
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: 'prod-Fleet-1' }).resolves({
      Environment: {
        Variables: {
          WATCHED_FUNCTION: 'trading',
          SCHEDULE_GROUPS: 'trading-schedules',
          DLQ_QUEUES: 'trading-dlq',
          WATCH_LIST: '',
          FLEET_CONTINUATION_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/prod-cont',
        },
      },
    });
    const at = '2026-11-27T14:00:00.000Z';
    const item = (action: string, target: string, request: object) => ({
      auditId: `${action}-1`,
      action,
      actor: 'cli:alice',
      reason: 'runaway orders',
      target,
      outcome: 'succeeded',
      at,
      dryRun: false,
      request,
    });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':action': 'schedules.disable' } }, false)
      .resolves({
        Items: [item('schedules.disable', 'killswitch:ks-1', { action: 'disable', all: true })],
      });
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':action': 'schedules.enable' } }, false)
      .resolves({
        Items: [item('schedules.enable', 'killswitch:ks-1', { action: 'enable', restoreId: 'ks-1' })],
      });
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':action': 'dlq.drain' } }, false)
      .resolves({ Items: [item('dlq.drain', 'queue:trading-dlq', { mode: 'redrive' })] });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const out = join(mkdtempSync(join(tmpdir(), 'timeline-')), 'timeline.md');

    // Act
    const code = await runTimeline({
      args: [],
      stack: 'prod',
      since: '2026-11-27T00:00:00Z',
      until: '2026-11-28T00:00:00Z',
      workload: ['workload'],
      format: 'markdown',
      out,
    });

    // Assess
    stderr.mockRestore();
    expect(code).toBe(0);
    const rows = readFileSync(out, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| 2026-11-27'));
    expect(rows.map((row) => row.split(' | ')[2])).toEqual([
      'schedules.disable killswitch:ks-1 — runaway orders',
      'schedules.enable killswitch:ks-1 — runaway orders',
      'dlq.drain queue:trading-dlq — runaway orders',
    ]);
  });

  it('refuses a stack without an AuditTable in a plain sentence', async () => {
    // Prepare
    cloudformation.on(DescribeStackResourcesCommand).resolves({ StackResources: [] });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    // Act
    const code = await runTimeline({ args: [], stack: 'other', since: '2h' });

    // Assess
    const said = String(stderr.mock.calls.at(-1)?.[0]);
    stderr.mockRestore();
    expect(code).toBe(1);
    expect(said).toBe('runbook: timeline: stack other has no AuditTable: is it a lambda-runbook stack?\n');
  });
});
