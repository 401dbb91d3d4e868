import { describe, expect, it } from 'vitest';
import { type JsonObject, loadTemplate } from '../../local/template.js';
import { alternatives, isObject, type Resource } from './intrinsics.js';

const template = loadTemplate();
const resource = (id: string) => template.Resources[id] as Resource | undefined;
const propsOf = (id: string) => resource(id)?.Properties ?? {};
const statementsOf = (roleId: string) => {
  const policies = Array.isArray(propsOf(roleId).Policies) ? (propsOf(roleId).Policies as JsonObject[]) : [];
  return policies.flatMap((policy) =>
    isObject(policy) && isObject(policy.PolicyDocument) ? alternatives(policy.PolicyDocument.Statement) : [],
  ) as JsonObject[];
};
const grantOf = (roleId: string, action: string) =>
  statementsOf(roleId).find((statement) => alternatives(statement.Action).includes(action));
// CloudFormation's ${…} placeholders, spelled without tripping the linter's template-string check.
const sub = (text: string) => ({ 'Fn::Sub': text.replaceAll('%', '$') });
const DEPLOYMENT_GROUP = {
  'Fn::If': [
    'CreateSampleWorkload',
    sub(
      'arn:%{AWS::Partition}:codedeploy:%{AWS::Region}:%{AWS::AccountId}:deploymentgroup:%{ServerlessDeploymentApplication}/%{WorkloadFunctionDeploymentGroup}',
    ),
    sub(
      'arn:%{AWS::Partition}:codedeploy:%{AWS::Region}:%{AWS::AccountId}:deploymentgroup:%{CodeDeployApplication}/*',
    ),
  ],
};

describe('the canary analyst in template.yaml', () => {
  it('looks once a minute while the canary gate is on, and never retries a stale look', () => {
    const events = propsOf('CanaryAnalystFunction').Events as Record<string, JsonObject>;
    const look = events.Look?.Properties as JsonObject;
    expect(events.Look?.Type).toBe('ScheduleV2');
    expect(look.ScheduleExpression).toBe('rate(1 minute)');
    expect(look.State).toEqual({ 'Fn::If': ['CanaryGateOn', 'ENABLED', 'DISABLED'] });
    expect(look.RetryPolicy).toEqual({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    expect(JSON.parse(String(look.Input))).toMatchObject({ actor: 'schedule:canary-analyst' });
  });

  it('may stop deployments of the watched deployment group only', () => {
    const grant = grantOf('CanaryAnalystRole', 'codedeploy:StopDeployment');
    expect(grant?.Resource).toEqual(DEPLOYMENT_GROUP);
    expect(alternatives(grant?.Action).sort()).toEqual([
      'codedeploy:GetDeployment',
      'codedeploy:ListDeployments',
      'codedeploy:StopDeployment',
    ]);
  });

  it('reads metrics with GetMetricData alone on "*" (it has no resource type), in both the watcher and the hook', () => {
    for (const role of ['CanaryAnalystRole', 'PostTrafficHookRole']) {
      const grant = grantOf(role, 'cloudwatch:GetMetricData');
      expect(grant, role).toMatchObject({
        Effect: 'Allow',
        Action: 'cloudwatch:GetMetricData',
        Resource: '*',
      });
    }
  });

  it('watches the sample workload’s deployment group, and fails a canary without enough data by default', () => {
    const variables = (propsOf('CanaryAnalystFunction').Environment as { Variables: JsonObject }).Variables;
    expect(variables.CANARY_DEPLOYMENT_GROUPS).toEqual({
      'Fn::If': [
        'CreateSampleWorkload',
        { Ref: 'WorkloadFunctionDeploymentGroup' },
        { Ref: 'CanaryDeploymentGroups' },
      ],
    });
    expect(variables.CANARY_NOT_ENOUGH_DATA).toEqual({ Ref: 'CanaryNotEnoughData' });
    expect(template.Parameters?.CanaryNotEnoughData?.Default).toBe('fail');
    expect(template.Parameters?.CanaryGate?.Default).toBe('on');
  });

  it('makes the post-traffic hook the last look, and no longer lets the errors alarm block a fix', () => {
    const hook = (propsOf('PostTrafficHookFunction').Environment as { Variables: JsonObject }).Variables;
    expect(hook.CANARY_GATE).toEqual({ Ref: 'CanaryGate' });
    const preference = propsOf('WorkloadFunction').DeploymentPreference as JsonObject;
    expect(JSON.stringify(preference.Alarms)).not.toContain('WorkloadErrorsAlarm');
    expect(JSON.stringify(preference.Alarms)).toContain('WorkloadThrottlesAlarm');
  });
});
