import { describe, expect, it } from 'vitest';
import { UNSTORED_TAG } from '../../functions/secret-rotation/rotation.js';
import { type JsonObject, loadTemplate } from '../../local/template.js';
import { getAttOf, isObject, type Resource, refOf } from './intrinsics.js';

const template = loadTemplate();
const resource = (logicalId: string) =>
  template.Resources[logicalId] as (Resource & { DependsOn?: unknown }) | undefined;

describe('secret rotation resources', () => {
  it('lets only Secrets Manager invoke the rotation function, and only for the rotated secret', () => {
    // Prepare
    const permission = resource('SecretRotationPermission');
    const props = permission?.Properties ?? {};

    // Assess
    expect(permission?.Type).toBe('AWS::Lambda::Permission');
    expect(props.Principal).toBe('secretsmanager.amazonaws.com');
    expect(props.Action).toBe('lambda:InvokeFunction');
    expect(getAttOf(props.FunctionName)).toEqual({ logicalId: 'SecretRotationFunction', attribute: 'Arn' });
    expect(refOf(props.SourceArn)).toBe('SampleApiKeySecret');
  });

  it("scopes the role's Secrets Manager actions to the rotated secret; only GetRandomPassword is on *", () => {
    // Prepare
    const policies = (resource('SecretRotationRole')?.Properties?.Policies ?? []) as JsonObject[];
    const statements = policies.flatMap((policy) =>
      isObject(policy.PolicyDocument) && Array.isArray(policy.PolicyDocument.Statement)
        ? (policy.PolicyDocument.Statement as JsonObject[])
        : [],
    );
    const secretsManager = statements.filter((statement) =>
      JSON.stringify(statement.Action).includes('secretsmanager:'),
    );

    // Assess
    expect(secretsManager).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:UpdateSecretVersionStage',
        ],
        Resource: { Ref: 'SampleApiKeySecret' },
      },
      {
        Effect: 'Allow',
        Action: ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
        Resource: { Ref: 'SampleApiKeySecret' },
        Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [UNSTORED_TAG] } },
      },
      { Effect: 'Allow', Action: 'secretsmanager:GetRandomPassword', Resource: '*' },
    ]);
  });

  it('rotates the sample secret on a schedule, once Secrets Manager may invoke the function', () => {
    // Prepare
    const schedule = resource('SampleApiKeyRotation');
    const props = schedule?.Properties ?? {};

    // Assess
    expect(schedule?.Type).toBe('AWS::SecretsManager::RotationSchedule');
    expect(refOf(props.SecretId)).toBe('SampleApiKeySecret');
    expect(getAttOf(props.RotationLambdaARN)).toEqual({
      logicalId: 'SecretRotationFunction',
      attribute: 'Arn',
    });
    expect(props.RotationRules).toMatchObject({ AutomaticallyAfterDays: 30 });
    expect(schedule?.DependsOn).toBe('SecretRotationPermission');
  });

  it('generates the sample secret as the random provider expects it', () => {
    // Prepare
    const generate = (resource('SampleApiKeySecret')?.Properties?.GenerateSecretString ?? {}) as JsonObject;

    // Assess
    expect(JSON.parse(String(generate.SecretStringTemplate))).toMatchObject({ provider: 'random' });
    expect(generate.GenerateStringKey).toBe('value');
  });
});

describe('the revocation of the previous key through the API and the approval flow (issue 18)', () => {
  const statementsOf = (role: string) =>
    ((resource(role)?.Properties?.Policies ?? []) as JsonObject[]).flatMap((policy) =>
      isObject(policy.PolicyDocument) && Array.isArray(policy.PolicyDocument.Statement)
        ? (policy.PolicyDocument.Statement as JsonObject[])
        : [],
    );
  const variables = (logicalId: string) => {
    const environment = resource(logicalId)?.Properties?.Environment;
    return (
      isObject(environment) && isObject(environment.Variables) ? environment.Variables : {}
    ) as JsonObject;
  };

  it('routes POST /secret/revoke-previous of the ops API to the rotation function, signed (no Auth override)', () => {
    // Prepare
    const events = (resource('SecretRotationFunction')?.Properties?.Events ?? {}) as JsonObject;

    // Assess: the API's default authorizer is AWS_IAM; an event that set its own Auth could open the route.
    expect(events.RevokePrevious).toEqual({
      Type: 'HttpApi',
      Properties: { ApiId: { Ref: 'OpsApi' }, Path: '/secret/revoke-previous', Method: 'POST' },
    });
  });

  it('lets ApprovalsFunction read the rotated secret only (never write it), with the rotation grace period', () => {
    // Prepare
    // (A conditional statement, `Fn::If`, is the SQS one: its Action is inside the condition.)
    const secretsManager = statementsOf('ApprovalsRole').filter((statement) =>
      JSON.stringify(statement.Action ?? null).includes('secretsmanager:'),
    );

    // Assess
    expect(secretsManager).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: { Ref: 'SampleApiKeySecret' },
      },
    ]);
    expect(variables('ApprovalsFunction').PREVIOUS_KEY_GRACE_HOURS).toBe(
      variables('SecretRotationFunction').PREVIOUS_KEY_GRACE_HOURS,
    );
    expect(variables('ApprovalsFunction').FREEZE_WINDOWS).toEqual({ Ref: 'FreezeWindows' });
  });

  it('accepts secret.revoke in ApprovalFor and RequireApiFor', () => {
    // Prepare
    const pattern = (name: string) => {
      const parameter = template.Parameters?.[name] as JsonObject | undefined;
      return new RegExp(String(parameter?.AllowedPattern));
    };

    // Assess
    expect(pattern('ApprovalFor').test('secret.revoke')).toBe(true);
    expect(pattern('ApprovalFor').test('schedules.disable,secret.revoke')).toBe(true);
    expect(pattern('RequireApiFor').test('dlq.drain,secret.revoke')).toBe(true);
    expect(pattern('RequireApiFor').test('secret.rotate')).toBe(false);
  });
});
