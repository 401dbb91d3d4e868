import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTemplate, templatePath } from '../../local/template.js';
import { iamDocPath, memberTemplatePath, renderRoles, withGeneratedSection } from '../../scripts/iam-doc.js';

describe('docs/IAM_POLICIES.md', () => {
  const document = readFileSync(iamDocPath, 'utf8');
  const templateText = readFileSync(templatePath, 'utf8');
  const memberText = readFileSync(memberTemplatePath, 'utf8');

  it('is what template.yaml and member-role.yaml say now (run `npm run docs:iam` after changing a role)', () => {
    expect(withGeneratedSection(document, templateText, memberText)).toBe(document);
  });

  it('documents the member account role of member-role.yaml', () => {
    expect(document).toContain('### MemberRole (member-role.yaml)\n');
  });

  it('documents every IAM role of the template', () => {
    const roles = Object.entries(loadTemplate().Resources)
      .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
      .map(([id]) => id);
    expect(roles.length).toBeGreaterThan(3);
    expect(roles.filter((id) => !document.includes(`### ${id}\n`))).toEqual([]);
  });

  it('has a reason, from the template comment, for every statement of both templates', () => {
    expect(renderRoles(templateText)).not.toContain('no comment: say why');
    expect(renderRoles(memberText, 'member-role.yaml')).not.toContain('no comment: say why');
  });

  it('flags a statement written without a comment', () => {
    // Prepare
    const role = `Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: 'sts:AssumeRole' }]
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              # Read the queue.
              - Effect: Allow
                Action: sqs:ReceiveMessage
                Resource: !GetAtt Q.Arn
              - Effect: Allow
                Action: sqs:DeleteMessage
                Resource: !GetAtt Q.Arn
`;

    // Act
    const rendered = renderRoles(role);

    // Assess
    expect(rendered).toContain(
      '| Read the queue. | named ARNs | Allow | `sqs:ReceiveMessage` | `!GetAtt Q.Arn` |',
    );
    expect(rendered).toContain(
      '| **(no comment: say why in the template)** | named ARNs | Allow | `sqs:DeleteMessage` |',
    );
  });

  it('reads a statement present only under a condition, with its reason and the condition', () => {
    const role = `Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: 'sts:AssumeRole' }]
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              # Quarantine stale messages.
              - !If
                - HasQuarantine
                - Effect: Allow
                  Action: sqs:SendMessage
                  Resource: !GetAtt Q.Arn
                - !Ref AWS::NoValue
`;
    expect(renderRoles(role)).toContain(
      '| Quarantine stale messages. (only when `HasQuarantine`) | named ARNs | Allow | `sqs:SendMessage` | `!GetAtt Q.Arn` |',
    );
  });

  it('records how each statement is scoped: a resource tag, a generated ARN list, "*", or named ARNs', () => {
    // Prepare
    const role = `Parameters:
  QueueArns:
    Type: CommaDelimitedList
    Default: ''
  QueueName:
    Type: String
Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: 'sts:AssumeRole' }]
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              # Tagged queues.
              - Effect: Allow
                Action: sqs:ReceiveMessage
                Resource: !Sub 'arn:aws:sqs:*:*:*'
                Condition:
                  StringLike: { 'aws:ResourceTag/runbook:watch': '?*' }
              # Listed queues.
              - !If
                - HasQueues
                - Effect: Allow
                  Action: sqs:DeleteMessage
                  Resource: !Ref QueueArns
                - !Ref AWS::NoValue
              # No resource type.
              - Effect: Allow
                Action: tag:GetResources
                Resource: '*'
              # A parameter that is not a generated list names one queue.
              - Effect: Allow
                Action: sqs:SendMessage
                Resource: !Ref QueueName
`;

    // Act
    const rows = renderRoles(role)
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| why') && !line.startsWith('| ---'))
      .map((line) => line.split(' | ')[1]);

    // Assess
    expect(rows).toEqual([
      'ABAC: `aws:ResourceTag/runbook:watch`',
      'generated ARN list: `QueueArns`',
      '`*`: no resource type',
      'named ARNs',
    ]);
  });
});
