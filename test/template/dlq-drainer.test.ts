import { describe, expect, it } from 'vitest';
import { type JsonObject, loadTemplate } from '../../local/template.js';
import { alternatives, isObject, type Resource } from './intrinsics.js';

const template = loadTemplate();
const fn = template.Resources.DlqDrainerFunction as Resource | undefined;
const props = fn?.Properties ?? {};
const events = (isObject(props.Events) ? props.Events : {}) as Record<string, JsonObject>;
const role = template.Resources.DlqDrainerRole as Resource | undefined;
const statements = () => {
  const policies = Array.isArray(role?.Properties?.Policies) ? role.Properties.Policies : [];
  return policies.flatMap((policy) =>
    isObject(policy) && isObject(policy.PolicyDocument) ? alternatives(policy.PolicyDocument.Statement) : [],
  ) as JsonObject[];
};
const actionsOf = (statement: JsonObject) => alternatives(statement.Action).map(String);

describe('DlqDrainerFunction in template.yaml', () => {
  it('answers POST /dlq/drain and POST /dlq/peek on the ops API, under its default AWS_IAM authorizer', () => {
    // Act
    const routes = Object.values(events)
      .filter((event) => event.Type === 'HttpApi')
      .map((event) => event.Properties as JsonObject);

    // Assess
    expect(routes.map((route) => `${route.Method} ${route.Path}`).sort()).toEqual([
      'POST /dlq/drain',
      'POST /dlq/peek',
    ]);
    for (const route of routes) {
      expect(route.ApiId).toEqual({ Ref: 'OpsApi' });
      expect(route.Auth).toBeUndefined();
    }
  });

  it('has a schedule that is disabled unless a parameter turns it on, and never retries a run', () => {
    // Act
    const schedule = Object.values(events).find((event) => event.Type === 'ScheduleV2');
    const properties = (schedule?.Properties ?? {}) as JsonObject;

    // Assess
    expect(properties.State).toEqual({ Ref: 'DlqDrainScheduleState' });
    expect(template.Parameters?.DlqDrainScheduleState?.Default).toBe('DISABLED');
    expect(properties.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 0 });
  });

  it('may invoke the workload alias only, and receive from and delete in the watched DLQ only', () => {
    // Act
    const invoke = statements().filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'));
    const receive = statements().filter((statement) => actionsOf(statement).includes('sqs:ReceiveMessage'));

    // Assess
    expect(invoke).toHaveLength(1);
    expect(JSON.stringify(invoke[0]?.Resource)).toMatch(/:function:\$\{Name\}:\$\{WatchedAlias\}/);
    expect(receive).toHaveLength(1);
    expect(actionsOf(receive[0] as JsonObject)).toEqual(
      expect.arrayContaining(['sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes']),
    );
    expect(JSON.stringify(receive[0]?.Resource)).toContain('WorkloadDLQ');
  });

  it('tells the drainer its account and its SQS target allow-list (the source queue parameter)', () => {
    // Act
    const variables = ((props.Environment as JsonObject | undefined)?.Variables ?? {}) as JsonObject;

    // Assess
    expect(variables.DLQ_ACCOUNT_ID).toEqual({ Ref: 'AWS::AccountId' });
    expect(variables.DLQ_TARGET_QUEUES).toEqual({ Ref: 'DlqSourceQueueName' });
  });

  it('may look up the workload function and its alias (read-only), to check a target exists', () => {
    // Act
    const lookup = statements().find((statement) => actionsOf(statement).includes('lambda:GetAlias'));

    // Assess
    expect(actionsOf(lookup as JsonObject).sort()).toEqual(['lambda:GetAlias', 'lambda:GetFunction']);
    expect(JSON.stringify(lookup?.Resource)).toMatch(/:function:\$\{Name\}:\$\{WatchedAlias\}/);
  });

  it('reads the kill switch windows through the audit table byTarget index', () => {
    // Act
    const query = statements().find((statement) => actionsOf(statement).includes('dynamodb:Query'));

    // Assess
    expect(JSON.stringify(query?.Resource)).toContain('/index/byTarget');
  });

  it('leaves an alarm on the workload DLQ depth, to the alarm topic', () => {
    // Act
    const alarm = template.Resources.WorkloadDlqDepthAlarm?.Properties ?? {};

    // Assess
    expect(alarm).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: 'AlarmTopic' }],
    });
  });
});
