import { describe, expect, it } from 'vitest';
import { loadTemplate, parseTemplate } from '../../local/template.js';
import { checkIamPolicies } from './rules.js';

/** A role whose one inline policy holds `statement` (flow YAML), plus any `extra` resources. */
function roleWith(statement: string, extra = ''): ReturnType<typeof parseTemplate> {
  return parseTemplate(`
Resources:
  FnRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: 'sts:AssumeRole' }]
      Policies:
        - PolicyName: fn
          PolicyDocument:
            Statement:
              - ${statement}
${extra}`);
}

describe('checkIamPolicies', () => {
  it('finds no broad grant in the roles of template.yaml', () => {
    // Act
    const problems = checkIamPolicies(loadTemplate());

    // Assess
    expect(problems).toEqual([]);
  });

  const leastPrivilege = [
    {
      case: 'an action on its own log group',
      statement: `{ Effect: Allow, Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: !Sub '\${LogGroup.Arn}' }`,
    },
    {
      case: 'an action on resources named by !GetAtt, !Ref and !If',
      statement: `{ Effect: Allow, Action: 'sqs:SendMessage', Resource: [!GetAtt Queue.Arn, !If [IsProd, !Ref QueueArn, !Ref AWS::NoValue]] }`,
    },
    {
      case: 'X-Ray segments on "*" (no resource-level permissions exist for them)',
      statement: `{ Effect: Allow, Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' }`,
    },
    {
      case: 'GetRandomPassword on "*" (it has no resource type)',
      statement: `{ Effect: Allow, Action: 'secretsmanager:GetRandomPassword', Resource: '*' }`,
    },
    {
      case: 'a broad Deny, which only takes permissions away',
      statement: `{ Effect: Deny, Action: 's3:*', Resource: '*' }`,
    },
  ];

  it.each(leastPrivilege)('accepts $case', ({ statement }) => {
    // Act
    const problems = checkIamPolicies(roleWith(statement));

    // Assess
    expect(problems).toEqual([]);
  });

  const broadGrants = [
    {
      case: 'Resource "*" for GetSecretValue (secrets have resource-level permissions)',
      statement: `{ Effect: Allow, Action: ['secretsmanager:GetRandomPassword', 'secretsmanager:GetSecretValue'], Resource: '*' }`,
      problem: 'FnRole.Policies[fn].Statement[0]: Resource "*" for secretsmanager:GetSecretValue,',
    },
    {
      case: 'Action "*"',
      statement: `{ Effect: Allow, Action: '*', Resource: 'arn:aws:s3:::bucket' }`,
      problem: 'FnRole.Policies[fn].Statement[0]: Action "*" is a wildcard',
    },
    {
      case: 'a service wildcard action',
      statement: `{ Effect: Allow, Action: ['s3:GetObject', 's3:*'], Resource: 'arn:aws:s3:::bucket/*' }`,
      problem: 'FnRole.Policies[fn].Statement[0]: Action "s3:*" is a wildcard',
    },
    {
      case: 'a wildcard action in one branch of an !If',
      statement: `{ Effect: Allow, Action: !If [IsProd, 'lambda:GetAlias', 'lambda:*'], Resource: 'arn:aws:lambda:::function:f' }`,
      problem: 'FnRole.Policies[fn].Statement[0]: Action "lambda:*" is a wildcard',
    },
    {
      case: 'Resource "*" for an action that has resource-level permissions',
      statement: `{ Effect: Allow, Action: 'lambda:InvokeFunction', Resource: '*' }`,
      problem: 'FnRole.Policies[fn].Statement[0]: Resource "*" for lambda:InvokeFunction',
    },
    {
      case: 'Resource "*" shared by allowlisted and other actions',
      statement: `{ Effect: Allow, Action: ['xray:PutTraceSegments', 'logs:PutLogEvents'], Resource: ['*'] }`,
      problem: 'FnRole.Policies[fn].Statement[0]: Resource "*" for logs:PutLogEvents,',
    },
    {
      case: 'Resource "*" hidden in an !If or a !Sub',
      statement: `{ Effect: Allow, Action: 'sqs:SendMessage', Resource: !If [IsProd, !GetAtt Queue.Arn, !Sub '*'] }`,
      problem: 'FnRole.Policies[fn].Statement[0]: Resource "*" for sqs:SendMessage',
    },
    {
      case: 'an Effect that is neither Allow nor Deny',
      statement: `{ Effect: allow, Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:::q' }`,
      problem: 'FnRole.Policies[fn].Statement[0]: Effect "allow" must be Allow or Deny',
    },
    {
      case: 'a statement without an Effect',
      statement: `{ Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:::q' }`,
      problem: 'FnRole.Policies[fn].Statement[0]: Effect missing must be Allow or Deny',
    },
    {
      case: 'Allow with NotAction',
      statement: `{ Effect: Allow, NotAction: 'iam:*', Resource: 'arn:aws:s3:::bucket' }`,
      problem: 'FnRole.Policies[fn].Statement[0]: Allow with NotAction grants everything else',
    },
  ];

  it.each(broadGrants)('reports $case', ({ statement, problem }) => {
    // Act
    const problems = checkIamPolicies(roleWith(statement));

    // Assess
    expect(problems).toEqual([expect.stringContaining(problem)]);
  });

  it('reports AWSLambdaBasicExecutionRole among ManagedPolicyArns, in any form', () => {
    // Prepare
    const template = parseTemplate(`
Resources:
  FnRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: 'sts:AssumeRole' }]
      ManagedPolicyArns:
        - !Sub 'arn:\${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'
`);

    // Act
    const problems = checkIamPolicies(template);

    // Assess
    expect(problems).toEqual([
      expect.stringContaining('FnRole: ManagedPolicyArns has AWSLambdaBasicExecutionRole'),
    ]);
  });

  it('checks policies attached from outside the role, and trust policies', () => {
    // Prepare
    const template = roleWith(
      `{ Effect: Allow, Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:::q' }`,
      `
  ExtraPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref FnRole]
      PolicyDocument:
        Statement: [{ Effect: Allow, Action: 'dynamodb:*', Resource: 'arn:aws:dynamodb:::table/t' }]
  OtherRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: 'sts:*' }]
`,
    );

    // Act
    const problems = checkIamPolicies(template);

    // Assess
    expect(problems).toEqual([
      'OtherRole.AssumeRolePolicyDocument.Statement[0]: Action "sts:*" is a wildcard',
      'ExtraPolicy.PolicyDocument.Statement[0]: Action "dynamodb:*" is a wildcard',
    ]);
  });
});
