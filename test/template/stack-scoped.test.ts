// Two deploys of this template (samconfig's dev and prod share a region) must coexist, and a stack that goes
// must not take undrained failures or keys with it. Checked on the TRANSFORMED template: SAM generates
// resources (the ScheduleV2 schedule, roles, permissions) that template.yaml never shows.
import { describe, expect, it } from 'vitest';
import { type Json, loadTemplate, type Template } from '../../local/template.js';
import { alternatives, getAttOf, isObject, type Resource, refOf } from './intrinsics.js';
import { transformedTemplate } from './sam-transform.js';

/** The property that sets a resource's physical name, where that name must be unique in account and region. */
const NAME_PROPERTIES: Record<string, string[]> = {
  'AWS::Lambda::Function': ['FunctionName'],
  'AWS::SQS::Queue': ['QueueName'],
  'AWS::SNS::Topic': ['TopicName'],
  'AWS::DynamoDB::Table': ['TableName'],
  'AWS::CloudWatch::Alarm': ['AlarmName'],
  'AWS::CloudWatch::CompositeAlarm': ['AlarmName'],
  'AWS::CloudWatch::Dashboard': ['DashboardName'],
  'AWS::Scheduler::Schedule': ['Name'],
  'AWS::Scheduler::ScheduleGroup': ['Name'],
  'AWS::Events::Rule': ['Name'],
  'AWS::IAM::Role': ['RoleName'],
  'AWS::IAM::ManagedPolicy': ['ManagedPolicyName'],
  'AWS::IAM::User': ['UserName'],
  'AWS::Logs::LogGroup': ['LogGroupName'],
  'AWS::SecretsManager::Secret': ['Name'],
  'AWS::S3::Bucket': ['BucketName'],
  'AWS::StepFunctions::StateMachine': ['StateMachineName'],
  'AWS::CodeDeploy::Application': ['ApplicationName'],
  'AWS::CodeDeploy::DeploymentGroup': ['DeploymentGroupName'],
  'AWS::ApiGatewayV2::Api': [],
  'AWS::KMS::Alias': ['AliasName'],
  'AWS::SSM::Parameter': ['Name'],
};

/** Resource types that hold data a stack delete or replacement would destroy. */
const DATA_TYPES = [
  'AWS::SQS::Queue',
  'AWS::DynamoDB::Table',
  'AWS::SecretsManager::Secret',
  'AWS::S3::Bucket',
];

const PSEUDO_UNIQUE = ['AWS::StackName', 'AWS::StackId'];

/**
 * Whether a name value differs between two stacks: it mentions the stack name or id, or refers to a resource
 * of this stack (whose own name is checked in turn). A literal, or a parameter, is the same in both.
 */
function dependsOnStack(template: Template, value: Json): boolean {
  const ref = refOf(value);
  if (ref !== undefined) return PSEUDO_UNIQUE.includes(ref) || ref in (template.Resources ?? {});
  const getAtt = getAttOf(value);
  if (getAtt) return getAtt.logicalId in (template.Resources ?? {});
  if (isObject(value) && 'Fn::Sub' in value) {
    const arg = value['Fn::Sub'];
    const [text, vars] = Array.isArray(arg) ? [arg[0], arg[1]] : [arg, undefined];
    if (typeof text !== 'string') return false;
    const names = [...text.matchAll(/\$\{([^}!]+)\}/g)].map((m) => (m[1] ?? '').split('.')[0] ?? '');
    return names.some((name) => {
      const bound = isObject(vars) ? vars[name] : undefined;
      if (bound !== undefined) return alternatives(bound).every((v) => dependsOnStack(template, v));
      return PSEUDO_UNIQUE.includes(name) || name in (template.Resources ?? {});
    });
  }
  if (isObject(value) && 'Fn::Join' in value) {
    const arg = value['Fn::Join'];
    const parts = Array.isArray(arg) && Array.isArray(arg[1]) ? arg[1] : [];
    return parts.some((part) => alternatives(part).every((v) => dependsOnStack(template, v)));
  }
  return false;
}

/** `logicalId.Property = value` for every physical name that would be the same in a second stack. */
function fixedNames(template: Template): string[] {
  const out: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    for (const property of NAME_PROPERTIES[resource.Type] ?? []) {
      const value = resource.Properties?.[property];
      if (value === undefined) continue; // CloudFormation generates a unique name
      const fixed = alternatives(value).filter((v) => !dependsOnStack(template, v));
      // A schedule's name is unique within its group: a literal name in a group of this stack is fine.
      const group = resource.Properties?.GroupName;
      const scopedByGroup =
        resource.Type === 'AWS::Scheduler::Schedule' &&
        group !== undefined &&
        alternatives(group).every((v) => dependsOnStack(template, v));
      if (fixed.length > 0 && !scopedByGroup) out.push(`${id}.${property} = ${JSON.stringify(fixed[0])}`);
    }
  }
  return out;
}

/** Data-holding resources that a stack delete or replacement would destroy. */
function unretained(template: Template): string[] {
  return Object.entries(template.Resources ?? {}).flatMap(([id, resource]) => {
    const r = resource as Resource;
    if (!DATA_TYPES.includes(r.Type)) return [];
    const problems: string[] = [];
    if (r.DeletionPolicy !== 'Retain')
      problems.push(`${id}: DeletionPolicy ${r.DeletionPolicy ?? 'missing'}`);
    if (r.UpdateReplacePolicy !== 'Retain')
      problems.push(`${id}: UpdateReplacePolicy ${r.UpdateReplacePolicy ?? 'missing'}`);
    return problems;
  });
}

/** `${name}` as CloudFormation's !Sub writes it (built, so no reader takes it for a JavaScript placeholder). */
const v = (name: string) => `$${'{'}${name}}`;

describe('names that depend on the stack', () => {
  it('gives every named resource of the transformed template a name no second stack shares', () => {
    // Prepare
    const template = transformedTemplate();

    // Act
    const fixed = fixedNames(template);

    // Assess
    expect(fixed).toEqual([]);
  });

  it('checks something: the transformed template names schedules, alarms, log groups and functions', () => {
    const template = transformedTemplate();
    const namedTypes = Object.values(template.Resources)
      .filter((r) => (NAME_PROPERTIES[r.Type] ?? []).some((p) => r.Properties?.[p] !== undefined))
      .map((r) => r.Type);
    expect(new Set(namedTypes)).toEqual(
      new Set([
        'AWS::Scheduler::Schedule',
        'AWS::Scheduler::ScheduleGroup',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Dashboard',
        'AWS::Logs::LogGroup',
        'AWS::Lambda::Function',
        'AWS::SecretsManager::Secret',
        // The fleet role: member-role.yaml trusts it by name (<stack>-fleet).
        'AWS::IAM::Role',
      ]),
    );
  });

  it.each([
    ['a literal', 'DlqDrainerFunctionSchedule', true],
    ['a parameter', { Ref: 'SomeParameter' }, true],
    ['a !Sub of the stack name', { 'Fn::Sub': `${v('AWS::StackName')}-dlq-drain` }, false],
    ['a !Sub without it', { 'Fn::Sub': `${v('AWS::Region')}-dlq-drain` }, true],
    ['a !Sub of a bound stack name', { 'Fn::Sub': [`${v('S')}-x`, { S: { Ref: 'AWS::StackName' } }] }, false],
    [
      'an !If with one literal branch',
      { 'Fn::If': ['C', { 'Fn::Sub': `${v('AWS::StackName')}-a` }, 'b'] },
      true,
    ],
    ['a !Join with the stack id', { 'Fn::Join': ['-', ['x', { Ref: 'AWS::StackId' }]] }, false],
  ] as [string, Json, boolean][])('reports %s as a fixed name: %s → %s', (_case, name, reported) => {
    // Prepare
    const template: Template = {
      Resources: { Schedule: { Type: 'AWS::Scheduler::Schedule', Properties: { Name: name } } },
    };

    // Act
    const fixed = fixedNames(template);

    // Assess
    expect(fixed.length > 0).toBe(reported);
  });

  it('accepts a literal schedule name in a schedule group of this stack', () => {
    const template: Template = {
      Resources: {
        Group: {
          Type: 'AWS::Scheduler::ScheduleGroup',
          Properties: { Name: { 'Fn::Sub': v('AWS::StackName') } },
        },
        Schedule: {
          Type: 'AWS::Scheduler::Schedule',
          Properties: { Name: 'daily', GroupName: { Ref: 'Group' } },
        },
      },
    };
    expect(fixedNames(template)).toEqual([]);
  });
});

describe('resources that hold data', () => {
  it.each([
    ['template.yaml', loadTemplate],
    ['the transformed template', transformedTemplate],
  ])('retains every queue, table, secret and bucket of %s on delete and on replacement', (_name, load) => {
    // Prepare
    const template = load();

    // Act
    const problems = unretained(template);

    // Assess
    expect(problems).toEqual([]);
    expect(
      Object.values(template.Resources).filter((r) => DATA_TYPES.includes(r.Type)).length,
    ).toBeGreaterThanOrEqual(5);
  });

  it('reports a queue without both policies', () => {
    const template = {
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue', DeletionPolicy: 'Retain' },
        Table: { Type: 'AWS::DynamoDB::Table', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' },
      },
    } as Template;
    expect(unretained(template)).toEqual(['Queue: UpdateReplacePolicy missing']);
  });
});
