// The timeline's readers, with the SDK mocked: the exact read commands each sends (and nothing that writes),
// paging, the per-source bound and its count, the gaps a failing source leaves, and the ledger's action list
// checked against every action the functions record.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  GetDeploymentCommand,
  ListDeploymentGroupsCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { FLEET_ACTIONS } from '../../functions/fleet/schema.js';
import { ACTIONS as KILL_SWITCH_ACTIONS } from '../../functions/killswitch/types.js';
import { STEPS } from '../../functions/secret-rotation/schema.js';
import type { Workload } from '../../shared/fleet/workload.js';
import { THROTTLE_ACTION, UNTHROTTLE_ACTION } from '../../shared/throttle-windows.js';
import { readAlarms } from '../../shared/timeline/alarms.js';
import { readDeployments } from '../../shared/timeline/deployments.js';
import { LEDGER_ACTIONS, mentions, readLedger } from '../../shared/timeline/ledger.js';
import { readTimeline } from '../../shared/timeline/read.js';

const dynamoMock = mockClient(DynamoDBDocumentClient);
const codedeployMock = mockClient(CodeDeployClient);
const cloudwatchMock = mockClient(CloudWatchClient);
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const codedeploy = new CodeDeployClient({});
const cloudwatch = new CloudWatchClient({});

const SINCE = new Date('2026-11-27T13:00:00.000Z');
const UNTIL = new Date('2026-11-27T15:00:00.000Z');
const TABLE = 'runbook-AuditTable-1XYZ';

const workload = (fields: Partial<Workload> = {}): Workload => ({
  name: 'trading',
  functionName: 'trading-fn',
  alias: 'live',
  scheduleGroups: ['trading-schedules'],
  schedules: [],
  dlqs: [{ queue: 'trading-dlq', sources: [] }],
  alarms: [],
  killSwitchAlarms: [],
  tags: {},
  source: 'file',
  ...fields,
});

const record = (action: string, at: string, fields: Record<string, unknown> = {}) => ({
  auditId: `${at}-${action}`,
  action,
  actor: 'cli:alice',
  reason: 'errors after the release',
  target: 'function:trading-fn:live',
  outcome: 'succeeded',
  at,
  dryRun: false,
  ...fields,
});

beforeEach(() => {
  dynamoMock.reset();
  codedeployMock.reset();
  cloudwatchMock.reset();
});

describe('readLedger', () => {
  it('reads the window once per recorded action through byAction, oldest first, only the fields it shows', async () => {
    // Prepare
    dynamoMock.on(QueryCommand).resolves({ Items: [] });

    // Act
    await readLedger({ dynamo, tableName: TABLE }, { since: SINCE, until: UNTIL, limit: 2000 });

    // Assess
    const calls = dynamoMock.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.ExpressionAttributeValues?.[':action']).sort()).toEqual(
      [...LEDGER_ACTIONS].sort(),
    );
    expect(calls[0]).toEqual({
      TableName: TABLE,
      IndexName: 'byAction',
      KeyConditionExpression: '#action = :action AND #at BETWEEN :since AND :until',
      ProjectionExpression:
        '#id, #action, #actor, #reason, #target, #outcome, #at, #undo, #dryRun, ' +
        '#approval, #breakGlass, #details.#approval, #details.#replans',
      ExpressionAttributeNames: {
        '#id': 'auditId',
        '#action': 'action',
        '#actor': 'actor',
        '#reason': 'reason',
        '#target': 'target',
        '#outcome': 'outcome',
        '#at': 'at',
        '#undo': 'undo',
        '#dryRun': 'dryRun',
        '#approval': 'approval',
        '#breakGlass': 'breakGlass',
        '#details': 'details',
        '#replans': 'replans',
      },
      ExpressionAttributeValues: {
        ':action': LEDGER_ACTIONS[0],
        ':since': SINCE.toISOString(),
        ':until': UNTIL.toISOString(),
      },
      ScanIndexForward: true,
      ExclusiveStartKey: undefined,
    });
  });

  it('pages through an action, keeps `limit` records and counts the rest', async () => {
    // Prepare
    dynamoMock.on(QueryCommand).resolves({ Items: [] });
    const page = (from: number) =>
      Array.from({ length: 3 }, (_, i) =>
        record('rollback', `2026-11-27T13:0${from + i}:00.000Z`, {
          undo: `runbook rollback --to-version ${i}`,
        }),
      );
    dynamoMock
      .on(QueryCommand, { ExpressionAttributeValues: { ':action': 'rollback' } })
      .resolvesOnce({ Items: page(0), LastEvaluatedKey: { auditId: 'x' } })
      .resolvesOnce({ Items: page(3) });

    // Act
    const read = await readLedger({ dynamo, tableName: TABLE }, { since: SINCE, until: UNTIL, limit: 4 });

    // Assess
    expect(read.entries.map((entry) => entry.at)).toEqual([
      '2026-11-27T13:00:00.000Z',
      '2026-11-27T13:01:00.000Z',
      '2026-11-27T13:02:00.000Z',
      '2026-11-27T13:03:00.000Z',
    ]);
    expect(read.unread).toBe(2);
    expect(read.entries[0]).toEqual({
      at: '2026-11-27T13:00:00.000Z',
      kind: 'action',
      what: 'rollback function:trading-fn:live',
      who: 'cli:alice',
      outcome: 'succeeded',
      undo: 'runbook rollback --to-version 0',
      detail: 'errors after the release',
      ref: '2026-11-27T13:00:00.000Z-rollback',
    });
    const second = dynamoMock
      .commandCalls(QueryCommand)
      .find((call) => call.args[0].input.ExclusiveStartKey !== undefined);
    expect(second?.args[0].input.ExclusiveStartKey).toEqual({ auditId: 'x' });
  });

  it('offers no undo for a dry run: it changed nothing, whatever undo its record keeps for a real run', async () => {
    // Prepare: a rollback's dry-run record keeps the undo a real run would have
    const undo = "runbook rollback --function trading-fn --alias live --to-version 3 --reason 'undo' --force";
    dynamoMock.on(QueryCommand).resolves({ Items: [] });
    dynamoMock.on(QueryCommand, { ExpressionAttributeValues: { ':action': 'rollback' } }).resolves({
      Items: [
        record('rollback', '2026-11-27T14:00:00.000Z', { dryRun: true, outcome: 'planned', undo }),
        record('rollback', '2026-11-27T14:01:00.000Z', { undo }),
      ],
    });

    // Act
    const read = await readLedger({ dynamo, tableName: TABLE }, { since: SINCE, until: UNTIL, limit: 10 });

    // Assess
    expect(read.entries.map((entry) => [entry.what, entry.undo])).toEqual([
      ['rollback function:trading-fn:live (dry run)', undefined],
      ['rollback function:trading-fn:live', undo],
    ]);
  });

  it('names an action it could not read as a gap and still reads the others', async () => {
    // Prepare
    dynamoMock.on(QueryCommand).resolves({ Items: [record('dlq.drain', '2026-11-27T14:00:00.000Z')] });
    dynamoMock.on(QueryCommand, { ExpressionAttributeValues: { ':action': 'rollback' } }).rejects(
      Object.assign(new Error('User is not authorized to perform dynamodb:Query'), {
        name: 'AccessDeniedException',
      }),
    );

    // Act
    const read = await readLedger(
      { dynamo, tableName: TABLE },
      { since: SINCE, until: UNTIL, limit: 10, actions: ['rollback', 'dlq.drain'] },
    );

    // Assess
    expect(read.entries).toHaveLength(1);
    expect(read.gaps).toEqual([
      {
        source: 'ledger (rollback)',
        message: 'AccessDeniedException: User is not authorized to perform dynamodb:Query',
      },
    ]);
  });

  it('with a workload selection, keeps only the records that name it (and reads their request for that)', async () => {
    // Prepare
    dynamoMock.on(QueryCommand).resolves({
      Items: [
        record('rollback', '2026-11-27T14:00:00.000Z'),
        record('rollback', '2026-11-27T14:01:00.000Z', { target: 'function:billing-fn:live' }),
        record('fleet.disable', '2026-11-27T14:02:00.000Z', {
          target: 'fleet',
          request: { workloads: ['trading'] },
        }),
        record('dlq.drain', '2026-11-27T14:03:00.000Z', { target: 'queue:trading-dlq' }),
      ],
    });

    // Act
    const read = await readLedger(
      { dynamo, tableName: TABLE },
      { since: SINCE, until: UNTIL, limit: 10, actions: ['rollback'], workloads: [workload()] },
    );

    // Assess
    expect(read.entries.map((entry) => entry.at)).toEqual([
      '2026-11-27T14:00:00.000Z',
      '2026-11-27T14:02:00.000Z',
      '2026-11-27T14:03:00.000Z',
    ]);
    const input = dynamoMock.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(input?.ProjectionExpression).toMatch(/, #request, #scope$/);
    expect(input?.ExpressionAttributeNames).toMatchObject({ '#request': 'request', '#scope': 'scope' });
  });

  it('with a workload selection, reads a fleet run’s workload lines, and keeps the runs whose lines name it', async () => {
    // Prepare: a run by tag that covered trading, one that did not, and one whose lines are paged out
    dynamoMock.on(QueryCommand).resolves({
      Items: [
        record('fleet.disable', '2026-11-27T14:00:00.000Z', {
          target: 'fleet',
          request: { tags: { team: 'payments' } },
          details: { workloads: [{ workload: 'trading', account: 'self', outcome: 'succeeded' }] },
        }),
        record('fleet.disable', '2026-11-27T14:01:00.000Z', {
          target: 'fleet',
          request: { all: true },
          details: { workloads: [{ workload: 'billing', account: 'self', outcome: 'succeeded' }] },
        }),
        record('fleet.disable', '2026-11-27T14:02:00.000Z', {
          target: 'fleet',
          request: { all: true },
          details: { workloads: { paged: true, count: 4000, pages: 4, key: 'x#workloads' } },
        }),
      ],
    });

    // Act
    const read = await readLedger(
      { dynamo, tableName: TABLE },
      { since: SINCE, until: UNTIL, limit: 10, actions: ['fleet.disable'], workloads: [workload()] },
    );

    // Assess
    expect(read.entries.map((entry) => entry.at)).toEqual([
      '2026-11-27T14:00:00.000Z',
      '2026-11-27T14:02:00.000Z',
    ]);
    const input = dynamoMock.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(input?.ProjectionExpression).toMatch(/, #request, #scope, #details\.#workloads$/);
    expect(input?.ExpressionAttributeNames).toMatchObject({
      '#details': 'details',
      '#workloads': 'workloads',
    });
  });

  it('reads a vote’s whole after and request (its tally and approval id), and no nested path of any other', async () => {
    // Prepare
    dynamoMock.on(QueryCommand).resolves({ Items: [] });

    // Act
    await readLedger(
      { dynamo, tableName: TABLE },
      { since: SINCE, until: UNTIL, limit: 10, actions: ['approval.approve'] },
    );

    // Assess
    const input = dynamoMock.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(input?.ProjectionExpression).toBe(
      '#id, #action, #actor, #reason, #target, #outcome, #at, #undo, #dryRun, #after, #request',
    );
    expect(Object.keys(input?.ExpressionAttributeNames ?? {})).toHaveLength(11);
  });

  it('reads what governed each action: held for approval, each vote, approved by whom, break-glass', async () => {
    // Prepare: the records of a held drain, its two approvals, the approved run and a break-glass disable
    const ID = '20261127T140000000Z-11111111';
    dynamoMock.on(QueryCommand).resolves({
      Items: [
        record('dlq.drain', '2026-11-27T14:00:00.000Z', {
          auditId: ID,
          outcome: 'pending',
          details: {
            approval: {
              needs: ['a drain of up to 3 messages is above ApprovalDrainAbove (2)'],
              required: 2,
              expiresAt: '2026-11-27T14:30:00.000Z',
            },
          },
        }),
        record('approval.approve', '2026-11-27T14:01:00.000Z', {
          actor: 'bob',
          request: { approvalId: ID },
          after: { status: 'pending', approvals: 1, required: 2 },
        }),
        record('approval.reject', '2026-11-27T14:02:00.000Z', {
          actor: 'carol',
          request: { approvalId: 'other' },
        }),
        record('dlq.drain', '2026-11-27T14:03:00.000Z', {
          approval: { approvalId: ID, approvedBy: ['bob', 'dave'] },
        }),
        record('schedules.disable', '2026-11-27T14:04:00.000Z', {
          breakGlass: { reason: 'orders doubling now' },
        }),
        record('rollback', '2026-11-27T14:05:00.000Z'),
      ],
    });

    // Act
    const read = await readLedger(
      { dynamo, tableName: TABLE },
      { since: SINCE, until: UNTIL, limit: 10, actions: ['dlq.drain'] },
    );

    // Assess
    expect(read.entries.map((entry) => entry.governance)).toEqual([
      {
        kind: 'held',
        approvalId: ID,
        needs: ['a drain of up to 3 messages is above ApprovalDrainAbove (2)'],
        required: 2,
        expiresAt: '2026-11-27T14:30:00.000Z',
      },
      { kind: 'vote', vote: 'approve', approvalId: ID, approvals: 1, required: 2 },
      { kind: 'vote', vote: 'reject', approvalId: 'other' },
      { kind: 'approved', approvalId: ID, approvedBy: ['bob', 'dave'], outcome: 'succeeded' },
      { kind: 'break-glass', reason: 'orders doubling now' },
      undefined,
    ]);
  });

  it('mentions: a fleet workload’s kill switch by its scope, whatever its request names', () => {
    // Prepare: the records of trading's kill switch in a fleet run (`all: true` over its groups; the enable
    // names only its restoreId), in its own account and in a member account
    const disable = { target: 'killswitch:ks-1', request: { action: 'disable', all: true } };
    const enable = { target: 'killswitch:ks-1', request: { action: 'enable', restoreId: 'ks-1' } };
    const own = workload();
    const member = workload({ account: '222222222222' });

    // Act
    const found = [
      mentions({ ...disable, action: 'schedules.disable', scope: 'fleet:self/trading' }, own),
      mentions({ ...enable, action: 'schedules.enable', scope: 'fleet:self/trading' }, own),
      mentions({ ...enable, action: 'schedules.enable', scope: 'fleet:222222222222/trading' }, member),
      mentions({ ...enable, action: 'schedules.enable', scope: 'fleet:222222222222/trading' }, own),
      mentions({ ...disable, action: 'schedules.disable', scope: 'fleet:self/billing' }, own),
      // A scope is the record's whole answer: a name its request happens to carry does not make it another's.
      mentions(
        {
          target: 'throttle:trading-fn',
          request: { functionName: 'trading-fn' },
          action: 'killswitch.throttle',
          scope: 'fleet:self/billing',
        },
        own,
      ),
    ];

    // Assess
    expect(found).toEqual([true, true, true, false, false, false]);
  });

  it('mentions: the stack’s own kill switch is the stack workload’s, confined to its groups by its IAM', () => {
    // Prepare
    const enable = {
      target: 'killswitch:ks-2',
      request: { action: 'enable', restoreId: 'ks-2' },
      action: 'schedules.enable',
    };
    const stack = workload({ name: 'workload', source: 'stack' });

    // Act
    const found = [
      mentions(enable, stack),
      mentions({ ...enable, action: 'schedules.killswitch' }, stack),
      // Not another workload's, and not one of the stack's with no groups (its kill switch may act on any then)
      mentions(enable, workload({ source: 'file' })),
      mentions(enable, workload({ name: 'workload', source: 'stack', scheduleGroups: [] })),
      // Not a record of another action that names nothing of it
      mentions({ ...enable, action: 'dlq.drain', target: 'queue:other-dlq' }, stack),
    ];

    // Assess
    expect(found).toEqual([true, true, false, false, false]);
  });

  it('mentions: a name inside another word is not a mention', () => {
    expect(
      mentions({ target: 'function:trading-fn-2:live', request: { note: 'trading-fn-2' } }, workload()),
    ).toBe(false);
    expect(mentions({ target: 'killswitch:ks-1', request: { group: 'trading-schedules' } }, workload())).toBe(
      true,
    );
  });
});

/**
 * Every dotted string literal in functions/ and shared/ (the ledger's actions are `area.verb`: a new one, say
 * `approval.granted`, fails this test until the timeline reads it), less the few that are not actions (a file
 * name, a request's field path), and the functions' action constants.
 */
function recordedActions(): string[] {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
    });
  // Field paths named in error messages (`request.action`) or read back from records (`before.version`, a
  // ledger query's fields) are not actions either.
  const notActions = /\.(json|ts|md)$|^(target|request|before|after|details)\.|^(shared|functions|local)\./;
  const literals = [...files('functions'), ...files('shared')]
    .filter((file) => !file.startsWith(join('shared', 'timeline')))
    .flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/'([a-z]+\.[a-zA-Z][\w.-]*)'/g)].map(
        (match) => match[1] as string,
      ),
    )
    .filter((literal) => !notActions.test(literal));
  return [
    'rollback',
    ...literals,
    ...Object.values(KILL_SWITCH_ACTIONS),
    THROTTLE_ACTION,
    UNTHROTTLE_ACTION,
    ...FLEET_ACTIONS.map((action) => `fleet.${action}`),
    ...STEPS.map((step) => `secret.rotation.${step}`),
  ];
}

// Names of the approval policy (ApprovalFor, RequireApiFor) that the ledger records under another action name.
const POLICY_NAMES: Record<string, string> = { 'secret.revoke': 'secret.revokePrevious' };

describe('LEDGER_ACTIONS', () => {
  it('holds every action the functions record (a new one missing here would vanish from the timeline)', () => {
    const missing = recordedActions()
      .map((action) => POLICY_NAMES[action] ?? action)
      .filter((action) => !LEDGER_ACTIONS.includes(action));
    expect(missing).toEqual([]);
  });
});

describe('readDeployments', () => {
  const appSpec = (name: string) =>
    JSON.stringify({
      version: 0.0,
      Resources: [
        {
          [name]: {
            Type: 'AWS::Lambda::Function',
            Properties: { Name: name, Alias: 'live', CurrentVersion: '3', TargetVersion: '4' },
          },
        },
      ],
    });
  const info = (deploymentId: string, name: string) => ({
    deploymentId,
    applicationName: 'app',
    deploymentGroupName: 'group',
    status: 'Failed' as const,
    creator: 'user' as const,
    createTime: new Date('2026-11-27T13:10:00.000Z'),
    completeTime: new Date('2026-11-27T13:20:00.000Z'),
    errorInformation: { code: 'ALARM_ACTIVE' as const, message: 'alarm(s) in ALARM: trading-errors' },
    rollbackInfo: { rollbackMessage: 'rolled back: live serves version 3 only' },
    revision: { revisionType: 'AppSpecContent' as const, appSpecContent: { content: appSpec(name) } },
  });

  it('lists the window of each group it discovers, reads each deployment and its lifecycle events', async () => {
    // Prepare
    codedeployMock.on(ListDeploymentGroupsCommand).resolves({ deploymentGroups: ['group'] });
    codedeployMock.on(ListDeploymentsCommand).resolves({ deployments: ['d-OTHER0001', 'd-TRADING01'] });
    codedeployMock
      .on(GetDeploymentCommand, { deploymentId: 'd-TRADING01' })
      .resolves({ deploymentInfo: info('d-TRADING01', 'trading-fn') });
    codedeployMock
      .on(GetDeploymentCommand, { deploymentId: 'd-OTHER0001' })
      .resolves({ deploymentInfo: info('d-OTHER0001', 'billing-fn') });
    codedeployMock.on(ListDeploymentTargetsCommand).resolves({ targetIds: ['trading-fn:live'] });
    codedeployMock.on(BatchGetDeploymentTargetsCommand).resolves({
      deploymentTargets: [
        {
          lambdaTarget: {
            lifecycleEvents: [
              {
                lifecycleEventName: 'BeforeAllowTraffic',
                status: 'Succeeded',
                startTime: new Date('2026-11-27T13:11:00.000Z'),
              },
            ],
          },
        },
      ],
    });

    // Act
    const read = await readDeployments(codedeploy, {
      since: SINCE,
      until: UNTIL,
      limit: 10,
      workloads: [workload({ codeDeploy: { application: 'app', groups: [] } })],
    });

    // Assess
    expect(codedeployMock.commandCalls(ListDeploymentsCommand)[0]?.args[0].input).toEqual({
      applicationName: 'app',
      deploymentGroupName: 'group',
      createTimeRange: { start: SINCE, end: UNTIL },
      nextToken: undefined,
    });
    expect(codedeployMock.commandCalls(BatchGetDeploymentTargetsCommand)[0]?.args[0].input).toEqual({
      deploymentId: 'd-TRADING01',
      targetIds: ['trading-fn:live'],
    });
    expect(read.entries.map((entry) => [entry.at, entry.kind, entry.outcome])).toEqual([
      ['2026-11-27T13:10:00.000Z', 'deployment', 'created'],
      ['2026-11-27T13:20:00.000Z', 'deployment', 'Failed'],
      ['2026-11-27T13:11:00.000Z', 'lifecycle', 'Succeeded'],
    ]);
    expect(read.entries[1]).toMatchObject({
      what: 'deployment d-TRADING01 (app/group): trading-fn:live version 3 → 4 ended',
      detail: 'alarm(s) in ALARM: trading-errors; rolled back: live serves version 3 only',
      workload: 'trading',
    });
    expect(read.gaps).toEqual([]);
  });

  it('keeps a deployment whose lifecycle events cannot be read, and says so', async () => {
    // Prepare
    codedeployMock.on(ListDeploymentsCommand).resolves({ deployments: ['d-TRADING01'] });
    codedeployMock.on(GetDeploymentCommand).resolves({ deploymentInfo: info('d-TRADING01', 'trading-fn') });
    codedeployMock
      .on(ListDeploymentTargetsCommand)
      .rejects(Object.assign(new Error('not implemented'), { name: 'InternalFailure' }));

    // Act
    const read = await readDeployments(codedeploy, {
      since: SINCE,
      until: UNTIL,
      limit: 10,
      workloads: [workload({ codeDeploy: { application: 'app', groups: ['group'] } })],
    });

    // Assess
    expect(codedeployMock.commandCalls(ListDeploymentGroupsCommand)).toHaveLength(0);
    expect(read.entries.filter((entry) => entry.kind === 'deployment')).toHaveLength(2);
    expect(read.gaps).toEqual([
      { source: 'CodeDeploy lifecycle events of d-TRADING01', message: 'InternalFailure: not implemented' },
    ]);
  });
});

describe('readAlarms', () => {
  it('reads the state history of each watched alarm, a prefix resolved to its alarms first', async () => {
    // Prepare
    cloudwatchMock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'trading-errors-p99' }],
      CompositeAlarms: [{ AlarmName: 'trading-errors-any' }],
    });
    cloudwatchMock.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
    cloudwatchMock.on(DescribeAlarmHistoryCommand, { AlarmName: 'trading-runaway' }).resolves({
      AlarmHistoryItems: [
        {
          AlarmName: 'trading-runaway',
          Timestamp: new Date('2026-11-27T14:00:00.000Z'),
          HistoryItemType: 'StateUpdate',
          HistorySummary: 'Alarm updated from OK to ALARM',
          HistoryData: JSON.stringify({
            oldState: { stateValue: 'OK' },
            newState: { stateValue: 'ALARM', stateReason: 'Threshold Crossed: 7 > 2' },
          }),
        },
      ],
    });

    // Act
    const read = await readAlarms(cloudwatch, {
      since: SINCE,
      until: UNTIL,
      limit: 10,
      workloads: [workload({ alarms: ['trading-errors-*'], killSwitchAlarms: ['trading-runaway'] })],
    });

    // Assess
    expect(cloudwatchMock.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toEqual({
      AlarmNamePrefix: 'trading-errors-',
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      MaxRecords: 100,
      NextToken: undefined,
    });
    const history = cloudwatchMock
      .commandCalls(DescribeAlarmHistoryCommand)
      .map((call) => call.args[0].input);
    expect(history.map((input) => input.AlarmName).sort()).toEqual([
      'trading-errors-any',
      'trading-errors-p99',
      'trading-runaway',
    ]);
    // Without AlarmTypes, DescribeAlarmHistory answers for metric alarms only.
    expect(history.find((input) => input.AlarmName === 'trading-errors-any')?.AlarmTypes).toEqual([
      'CompositeAlarm',
    ]);
    expect(history.find((input) => input.AlarmName === 'trading-runaway')?.AlarmTypes).toBeUndefined();
    expect(history[0]).toMatchObject({
      HistoryItemType: 'StateUpdate',
      StartDate: SINCE,
      EndDate: UNTIL,
      ScanBy: 'TimestampAscending',
      MaxRecords: 100,
    });
    expect(read.entries).toEqual([
      {
        at: '2026-11-27T14:00:00.000Z',
        kind: 'alarm',
        what: 'alarm trading-runaway OK → ALARM',
        who: 'CloudWatch',
        outcome: 'ALARM',
        detail: 'Threshold Crossed: 7 > 2',
        ref: 'trading-runaway',
        workload: 'trading',
      },
    ]);
  });
});

describe('readAlarms of a wide prefix', () => {
  /** The timeline's alarms of one workload watching the prefix trading-*. */
  const readPrefix = () =>
    readAlarms(cloudwatch, {
      since: SINCE,
      until: UNTIL,
      limit: 10,
      workloads: [workload({ alarms: ['trading-*'] })],
    });

  it('reads the history of the first 100 alarms of a prefix and names the prefix as a gap for the rest', async () => {
    // Prepare: 250 alarms under one prefix, 100 a page
    const page = (from: number) => ({
      MetricAlarms: Array.from({ length: 100 }, (_, i) => ({ AlarmName: `trading-${from + i}` })),
      NextToken: `after-${from + 100}`,
    });
    cloudwatchMock
      .on(DescribeAlarmsCommand, { NextToken: undefined })
      .resolves(page(0))
      .on(DescribeAlarmsCommand, { NextToken: 'after-100' })
      .resolves(page(100));
    cloudwatchMock.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });

    // Act
    const read = await readPrefix();

    // Assess
    expect(cloudwatchMock.commandCalls(DescribeAlarmsCommand)).toHaveLength(1);
    expect(cloudwatchMock.commandCalls(DescribeAlarmHistoryCommand)).toHaveLength(100);
    expect(read.gaps).toEqual([
      {
        source: 'CloudWatch alarms trading-*',
        message: expect.stringContaining('more than 100 alarms match'),
      },
    ]);
  });

  it('names no gap when the prefix’s alarms fit', async () => {
    // Prepare
    cloudwatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'trading-1' }] });
    cloudwatchMock.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });

    // Act
    const read = await readPrefix();

    // Assess
    expect(read.gaps).toEqual([]);
  });
});

describe('readTimeline', () => {
  it('sends only reads, and a source that fails whole is a gap beside the others', async () => {
    // Prepare
    dynamoMock.on(QueryCommand).resolves({ Items: [record('rollback', '2026-11-27T14:00:00.000Z')] });
    codedeployMock
      .on(ListDeploymentsCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    cloudwatchMock
      .on(DescribeAlarmHistoryCommand)
      .rejects(Object.assign(new Error('500'), { name: 'InternalFailure' }));

    // Act
    const timeline = await readTimeline(
      { dynamo, codedeploy, cloudwatch, tableName: TABLE },
      {
        since: SINCE,
        until: UNTIL,
        workloads: [
          workload({ alarms: ['trading-errors'], codeDeploy: { application: 'app', groups: ['group'] } }),
        ],
      },
    );

    // Assess
    expect(timeline.entries).toHaveLength(LEDGER_ACTIONS.length);
    expect(timeline.gaps.map((gap) => gap.source)).toEqual([
      'CloudWatch alarm history of trading-errors',
      'CodeDeploy app',
    ]);
    const sent = [...dynamoMock.calls(), ...codedeployMock.calls(), ...cloudwatchMock.calls()].map(
      (call) => (call.args[0] as object).constructor.name,
    );
    expect(new Set(sent)).toEqual(
      new Set(['QueryCommand', 'ListDeploymentsCommand', 'DescribeAlarmHistoryCommand']),
    );
  });

  it('reads the recorded actions of a member account’s workload, but not its deployments or alarms (they are in that account)', async () => {
    // Prepare: one action on the member's function, one on another function
    dynamoMock.on(QueryCommand).resolves({
      Items: [
        record('rollback', '2026-11-27T14:00:00.000Z', { target: 'function:fx-pricer-tokyo:prod' }),
        record('rollback', '2026-11-27T14:01:00.000Z', { target: 'function:billing-fn:live' }),
      ],
    });

    // Act
    const timeline = await readTimeline(
      { dynamo, codedeploy, cloudwatch, tableName: TABLE },
      {
        since: SINCE,
        until: UNTIL,
        onlyTheirActions: true,
        workloads: [
          workload({
            name: 'fx-pricer',
            functionName: 'fx-pricer-tokyo',
            alias: 'prod',
            account: '777777777777',
            alarms: ['fx-pricer-errors'],
            codeDeploy: { application: 'fx', groups: ['fx-prod'] },
          }),
        ],
      },
    );

    // Assess: each recorded action's query keeps the member's one; nothing asked of CodeDeploy or CloudWatch
    expect(new Set(timeline.entries.map((entry) => entry.what))).toEqual(
      new Set(['rollback function:fx-pricer-tokyo:prod']),
    );
    expect(codedeployMock.calls()).toEqual([]);
    expect(cloudwatchMock.calls()).toEqual([]);
  });
});
