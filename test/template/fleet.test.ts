// The fleet function's wiring and its IAM (issue 16): routes in the one OpenAPI body, the continuation queue,
// and least privilege that scales — each action granted the way the Service Authorization Reference allows
// (docs/IAM_POLICIES.md, "The fleet's scope"): a runbook:watch tag, a generated ARN list, or "*" with a reason.
import { describe, expect, it } from 'vitest';
import { type Json, type JsonObject, loadTemplate } from '../../local/template.js';
import { alternatives, getAttOf, isObject, refOf, resourcesOfType } from './intrinsics.js';
import { actionsOf, statementsOf } from './policies.js';
import { checkIamPolicies, resourceStarActions, resourceStarReasons } from './rules.js';
import { transformedTemplate } from './sam-transform.js';

const template = loadTemplate();
const fleet = template.Resources.FleetFunction;
const props = fleet?.Properties ?? {};

const FLEET_ROUTES = [
  'GET /fleet/status',
  'POST /fleet/rollback',
  'POST /fleet/disable',
  'POST /fleet/enable',
  'POST /fleet/drain',
  'POST /fleet/undo',
];

/** ABAC: the actions whose service authorizes them on aws:ResourceTag of their resource type (checked). */
const TAG_SCOPED = [
  'lambda:GetAlias',
  'lambda:UpdateAlias',
  'lambda:GetFunctionConfiguration',
  'lambda:ListVersionsByFunction',
  'lambda:GetFunction',
  'lambda:ListTags',
  'lambda:GetFunctionConcurrency',
  'lambda:PutFunctionConcurrency',
  'lambda:DeleteFunctionConcurrency',
  'lambda:InvokeFunction',
  'scheduler:GetScheduleGroup',
  'sqs:GetQueueUrl',
  'sqs:GetQueueAttributes',
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:SendMessage',
  'sqs:ListDeadLetterSourceQueues',
  'codedeploy:ListDeploymentGroups',
  'codedeploy:ListDeployments',
  'codedeploy:GetDeployment',
];

/** Generated ARN lists: the actions whose service cannot authorize them on a tag, and the list each uses. */
const LISTED: Record<string, string> = {
  'scheduler:GetSchedule': 'FleetScheduleArns',
  'scheduler:UpdateSchedule': 'FleetScheduleArns',
  'iam:PassRole': 'FleetScheduleRoleArns',
  'codedeploy:StopDeployment': 'FleetDeploymentGroupArns',
  'cloudwatch:DescribeAlarms': 'FleetAlarmArns',
  'cloudwatch:DescribeAlarmHistory': 'FleetAlarmArns',
};

/** "*": the actions with no resource type the fleet calls. */
const STAR = ['lambda:ListEventSourceMappings', 'tag:GetResources', 'scheduler:ListSchedules'];

/**
 * A resource pattern that reaches beyond named resources: a wildcard where the resource's name goes
 * (`function:*`, `schedule-group/*`, `application:*`, `deploymentgroup:*`, every queue of the account).
 */
const wide = (resource: Json): boolean =>
  /(function:|schedule-group\/|application:|deploymentgroup:|\$\{AWS::AccountId\}:)\*/.test(
    JSON.stringify(resource),
  );

/** `${name}` as CloudFormation's !Sub writes it (built, so no reader takes it for a JavaScript placeholder). */
const v = (name: string) => `$${'{'}${name}}`;

const TAG_CONDITION = { StringLike: { 'aws:ResourceTag/runbook:watch': '?*' } };

describe('the fleet function', () => {
  it('is declared, nodejs22.x on arm64 (Globals), with 900 s, its own log group and the handler the lead writes', () => {
    // Assess
    expect(fleet?.Type).toBe('AWS::Serverless::Function');
    expect(props.Timeout).toBe(900);
    expect(template.Globals?.Function?.Runtime).toBe('nodejs22.x');
    expect(template.Globals?.Function?.Architectures).toEqual(['arm64']);
    expect(fleet?.Metadata?.BuildProperties).toMatchObject({ EntryPoints: ['functions/fleet/handler.ts'] });
    expect(props.Handler).toBe('handler.handler');
    expect(refOf((props.LoggingConfig as JsonObject).LogGroup)).toBe('FleetLogGroup');
    expect(getAttOf(props.Role)?.logicalId).toBe('FleetRole');
  });

  it('gets the environment contract: the stack workload as the other functions get it, and the fleet settings', () => {
    // Prepare
    const variables = (props.Environment as { Variables: Record<string, Json> }).Variables;
    const rollback = template.Resources.RollbackFunction?.Properties?.Environment as {
      Variables: Record<string, Json>;
    };
    const drainer = template.Resources.DlqDrainerFunction?.Properties?.Environment as {
      Variables: Record<string, Json>;
    };
    const killSwitch = template.Resources.KillSwitchFunction?.Properties?.Environment as {
      Variables: Record<string, Json>;
    };

    // Assess: the same values the single-workload functions read, not a copy that could drift.
    expect(variables.WATCHED_FUNCTION).toEqual(rollback.Variables.WATCHED_FUNCTION);
    expect(variables.CODEDEPLOY_APPLICATION).toEqual(rollback.Variables.CODEDEPLOY_APPLICATION);
    expect(variables.ROLLBACK_COOLDOWN_MINUTES).toEqual(rollback.Variables.ROLLBACK_COOLDOWN_MINUTES);
    expect(variables.SCHEDULE_GROUPS).toEqual(killSwitch.Variables.SCHEDULE_GROUPS);
    expect(variables.DLQ_QUEUES).toEqual(drainer.Variables.DLQ_QUEUES);
    expect(variables.DLQ_TARGET_QUEUES).toEqual(drainer.Variables.DLQ_TARGET_QUEUES);
    expect(variables.WATCHED_ALIAS).toEqual({ Ref: 'WatchedAlias' });
    // ROLLBACK_ALARMS and KILLSWITCH_ALARMS come from Globals, declared once (routing.test.ts).
    expect(variables).toMatchObject({
      WATCH_LIST: { Ref: 'WatchList' },
      WATCH_TAG_DISCOVERY: { Ref: 'WatchTagDiscovery' },
      CONTROL_PLANE_WRITES_PER_SECOND: { Ref: 'ControlPlaneWritesPerSecond' },
      SCHEDULER_WRITES_PER_SECOND: { Ref: 'SchedulerWritesPerSecond' },
      FREEZE_WINDOWS: { Ref: 'FreezeWindows' },
      FLEET_CONTINUATION_QUEUE_URL: { Ref: 'FleetContinuationQueue' },
    });
    expect(template.Parameters?.WatchList?.Default).toBe('');
    expect(template.Parameters?.WatchTagDiscovery).toMatchObject({
      Default: 'true',
      AllowedValues: ['true', 'false'],
    });
    expect(template.Parameters?.ControlPlaneWritesPerSecond?.Default).toBe(5);
  });

  it('serves its six routes from the one OpenAPI body CloudFormation receives, each signed (AWS_IAM)', () => {
    // Prepare
    const [, api] = resourcesOfType(transformedTemplate(), 'AWS::ApiGatewayV2::Api')[0] ?? [];
    const body = api?.Properties?.Body;
    const paths = isObject(body) && isObject(body.paths) ? body.paths : {};

    // Act
    const found = FLEET_ROUTES.map((route) => {
      const [method = '', path = ''] = route.split(' ');
      const operation = isObject(paths[path]) ? paths[path][method.toLowerCase()] : undefined;
      const security = isObject(operation) ? alternatives(operation.security) : [];
      const integration = isObject(operation) ? operation['x-amazon-apigateway-integration'] : undefined;
      return {
        route,
        signed: security.some((item) => isObject(item) && 'AWS_IAM' in item),
        fleet: JSON.stringify(integration ?? null).includes('FleetFunction'),
      };
    });

    // Assess
    expect(found).toEqual(FLEET_ROUTES.map((route) => ({ route, signed: true, fleet: true })));
  });

  it('continues a run through its queue: one message at a time, redriven to a dead-letter queue that is alarmed on', () => {
    // Prepare
    const events = props.Events as Record<string, { Type: string; Properties: JsonObject }>;
    const queue = template.Resources.FleetContinuationQueue?.Properties ?? {};
    const redrive = queue.RedrivePolicy as JsonObject;
    const dlq = getAttOf(redrive.deadLetterTargetArn)?.logicalId ?? '';

    // Assess
    expect(events.Continuation).toMatchObject({ Type: 'SQS', Properties: { BatchSize: 1 } });
    expect(getAttOf(events.Continuation?.Properties.Queue)?.logicalId).toBe('FleetContinuationQueue');
    // A message in flight stays invisible while the invocation that took it may still run.
    expect(Number(queue.VisibilityTimeout)).toBeGreaterThanOrEqual(Number(props.Timeout));
    expect(template.Resources[dlq]?.Type).toBe('AWS::SQS::Queue');
    const alarmed = resourcesOfType(template, 'AWS::CloudWatch::Alarm').some(([, alarm]) =>
      JSON.stringify(alarm.Properties?.Dimensions ?? []).includes(`"${dlq}"`),
    );
    expect(alarmed).toBe(true);
  });

  it('retains every queue of the stack on delete and on replacement (they hold what is not yet handled)', () => {
    // Act
    const queues = resourcesOfType(template, 'AWS::SQS::Queue');
    const unretained = queues
      .filter(([, queue]) => queue.DeletionPolicy !== 'Retain' || queue.UpdateReplacePolicy !== 'Retain')
      .map(([id]) => id);

    // Assess
    expect(queues.map(([id]) => id)).toEqual(
      expect.arrayContaining(['FleetContinuationQueue', 'FleetContinuationDLQ', 'FleetFailureQueue']),
    );
    expect(unretained).toEqual([]);
  });
});

describe('FleetRole: least privilege that scales', () => {
  const statements = statementsOf(template, 'FleetRole');

  it('grants each action that supports a resource tag on runbook:watch-tagged resources only', () => {
    // Act: every statement that grants one of them, and how it is scoped.
    const loose = statements
      .filter(({ statement }) => actionsOf(statement).some((action) => TAG_SCOPED.includes(action)))
      .filter(({ statement }) => alternatives(statement.Resource).some(wide))
      .filter(({ statement }) => JSON.stringify(statement.Condition) !== JSON.stringify(TAG_CONDITION))
      .map(({ statement }) => actionsOf(statement).join(', '));
    const tagged = statements
      .filter(({ statement }) => JSON.stringify(statement.Condition) === JSON.stringify(TAG_CONDITION))
      .flatMap(({ statement }) => actionsOf(statement));

    // Assess: all of them tag-scoped wherever they reach beyond named resources (the stack's own workload and
    // queues are named), and no other action is.
    expect(loose).toEqual([]);
    expect(tagged.sort()).toEqual([...TAG_SCOPED].sort());
  });

  it('grants each action that cannot be tag-scoped on its generated ARN list, present only when the list is set', () => {
    // Act
    const byList = Object.keys(LISTED).map((action) => {
      const granted = statements.filter(
        ({ statement }) => actionsOf(statement).includes(action) && refOf(statement.Resource) !== undefined,
      );
      return {
        action,
        lists: granted.map(({ statement }) => refOf(statement.Resource)),
        when: granted.map(({ when }) => when),
      };
    });

    // Assess
    expect(byList).toEqual(
      Object.entries(LISTED).map(([action, list]) => ({
        action,
        lists: [list],
        when: [`Has${list.replace(/Arns$/, 's')}`],
      })),
    );
    for (const list of new Set(Object.values(LISTED))) {
      expect(template.Parameters?.[list], list).toMatchObject({ Type: 'CommaDelimitedList', Default: '' });
    }
  });

  it('uses "*" only for actions with no resource type, each with its reason in resourceStarReasons', () => {
    // Act
    const star = statements
      .filter(({ statement }) => alternatives(statement.Resource).includes('*'))
      .flatMap(({ statement }) => actionsOf(statement));

    // Assess
    expect(star.filter((action) => !resourceStarActions.includes(action))).toEqual([]);
    expect(star).toEqual(expect.arrayContaining(STAR));
    expect(checkIamPolicies(template)).toEqual([]);
  });

  it('gives every "*" action a reason that cites the Service Authorization Reference', () => {
    const unreasoned = Object.entries(resourceStarReasons)
      .filter(
        ([, reason]) =>
          !/^https:\/\/docs\.aws\.amazon\.com\/service-authorization\/latest\/reference\/list_[\w-]+\.html: \S/.test(
            reason,
          ),
      )
      .map(([action]) => action);
    expect(unreasoned).toEqual([]);
  });

  it('assumes the member role by its name only, in any account, and only in the organization when one is set', () => {
    // Prepare
    const assume = statements.filter(({ statement }) => actionsOf(statement).includes('sts:AssumeRole'));

    // Assess
    expect(assume).toHaveLength(1);
    expect(actionsOf(assume[0]?.statement ?? {})).toEqual(['sts:AssumeRole']);
    expect(assume[0]?.statement.Resource).toEqual({
      'Fn::Sub': `arn:${v('AWS::Partition')}:iam::*:role/${v('MemberRoleName')}`,
    });
    expect(assume[0]?.statement.Condition).toEqual({
      'Fn::If': [
        'HasMemberOrganization',
        { StringEquals: { 'aws:ResourceOrgID': { Ref: 'MemberOrganizationId' } } },
        { Ref: 'AWS::NoValue' },
      ],
    });
  });

  it('is named after the stack, so member-role.yaml can trust it by name', () => {
    expect(template.Resources.FleetRole?.Properties?.RoleName).toEqual({
      'Fn::Sub': `${v('AWS::StackName')}-fleet`,
    });
  });
});

// Issue 18: an approved fleet run is carried out by ApprovalsFunction with FleetRole's credentials
// (functions/approvals/fleet.ts): the one role may be assumed, by the one role, and nothing else is granted.
describe('approved fleet runs', () => {
  const approvals = template.Resources.ApprovalsFunction?.Properties ?? {};
  const approvalStatements = statementsOf(template, 'ApprovalsRole');
  const arnOfFleetRole = {
    'Fn::Sub': `arn:${v('AWS::Partition')}:iam::${v('AWS::AccountId')}:role/${v('AWS::StackName')}-fleet`,
  };

  it('lets ApprovalsRole, and no other principal but Lambda, assume FleetRole', () => {
    // Prepare
    const trust = template.Resources.FleetRole?.Properties?.AssumeRolePolicyDocument as {
      Statement: JsonObject[];
    };

    // Assess
    expect(trust.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      {
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::GetAtt': ['ApprovalsRole', 'Arn'] } },
        Action: 'sts:AssumeRole',
      },
    ]);
  });

  it('grants ApprovalsRole sts:AssumeRole on FleetRole’s ARN alone (by its name: the trust makes GetAtt a cycle)', () => {
    // Prepare
    const assume = approvalStatements.filter(({ statement }) =>
      actionsOf(statement).some((action) => action.startsWith('sts:')),
    );

    // Assess
    expect(assume).toHaveLength(1);
    expect(assume[0]?.when).toBeUndefined();
    expect(assume[0]?.statement).toEqual({
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: arnOfFleetRole,
    });
    // The ARN names the role FleetRole really is.
    expect(template.Resources.FleetRole?.Properties?.RoleName).toEqual({
      'Fn::Sub': `${v('AWS::StackName')}-fleet`,
    });
    expect(checkIamPolicies(template).filter((problem) => problem.includes('ApprovalsRole'))).toEqual([]);
  });

  it('gives ApprovalsFunction the fleet role’s ARN and every fleet setting with FleetFunction’s own values', () => {
    // Prepare
    const fleetVariables = (props.Environment as { Variables: Record<string, Json> }).Variables;
    const variables = (approvals.Environment as { Variables: Record<string, Json> }).Variables;

    // Assess
    expect(getAttOf(variables.FLEET_ROLE_ARN)).toEqual({ logicalId: 'FleetRole', attribute: 'Arn' });
    for (const [name, value] of Object.entries(fleetVariables))
      expect({ [name]: variables[name] }).toEqual({ [name]: value });
  });
});

// An approved fleet run or kill switch is carried out off the API call (functions/approvals/later.ts): the vote
// queues the approval id on ApprovedRunQueue, and ApprovalsFunction receives it with a fleet run's timeout.
describe('approved runs carried out off the API call', () => {
  const approvals = template.Resources.ApprovalsFunction?.Properties ?? {};
  const events = approvals.Events as Record<string, { Type: string; Properties: JsonObject }>;
  const queue = template.Resources.ApprovedRunQueue?.Properties ?? {};
  const statements = statementsOf(template, 'ApprovalsRole');

  it('gives ApprovalsFunction a fleet run’s timeout and its own queue: one message at a time, six timeouts invisible, redriven to an alarmed DLQ, encrypted', () => {
    // Prepare
    const redrive = queue.RedrivePolicy as JsonObject;
    const dlq = getAttOf(redrive.deadLetterTargetArn)?.logicalId ?? '';
    const variables = (approvals.Environment as { Variables: Record<string, Json> }).Variables;

    // Assess
    expect(approvals.Timeout).toBe(props.Timeout);
    expect(events.ApprovedRun).toMatchObject({ Type: 'SQS', Properties: { BatchSize: 1 } });
    expect(getAttOf(events.ApprovedRun?.Properties.Queue)?.logicalId).toBe('ApprovedRunQueue');
    expect(refOf(variables.APPROVED_RUN_QUEUE_URL)).toBe('ApprovedRunQueue');
    // AWS: a source queue's visibility timeout at least six times the function's timeout.
    expect(Number(queue.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * Number(approvals.Timeout));
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(template.Resources[dlq]?.Properties?.SqsManagedSseEnabled).toBe(true);
    const alarmed = resourcesOfType(template, 'AWS::CloudWatch::Alarm').some(([, alarm]) =>
      JSON.stringify(alarm.Properties?.Dimensions ?? []).includes(`"${dlq}"`),
    );
    expect(alarmed).toBe(true);
  });

  it('grants ApprovalsRole the queue’s send and the event source mapping’s actions on that queue alone', () => {
    // Act
    const sqs = statements.filter(({ statement }) =>
      actionsOf(statement).some((action) => action.startsWith('sqs:') && action !== 'sqs:GetQueueUrl'),
    );
    const onQueue = sqs.filter(
      ({ statement }) => getAttOf(statement.Resource)?.logicalId === 'ApprovedRunQueue',
    );

    // Assess
    expect(onQueue).toHaveLength(1);
    expect(actionsOf(onQueue[0]?.statement ?? {}).sort()).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ]);
  });
});
