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
