import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTemplate, templatePath } from '../../local/template.js';
import { iamDocPath, renderRoles, withGeneratedSection } from '../../scripts/iam-doc.js';

describe('docs/IAM_POLICIES.md', () => {
  const document = readFileSync(iamDocPath, 'utf8');
  const templateText = readFileSync(templatePath, 'utf8');

  it('is what template.yaml says now (run `npm run docs:iam` after changing a role)', () => {
    expect(withGeneratedSection(document, templateText)).toBe(document);
  });

  it('documents every IAM role of the template', () => {
    const roles = Object.entries(loadTemplate().Resources)
      .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
      .map(([id]) => id);
    expect(roles.length).toBeGreaterThan(3);
    expect(roles.filter((id) => !document.includes(`### ${id}\n`))).toEqual([]);
  });

  it('has a reason, from the template comment, for every statement', () => {
    expect(renderRoles(templateText)).not.toContain('no comment: say why');
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
    expect(rendered).toContain('| Read the queue. | Allow | `sqs:ReceiveMessage` | `!GetAtt Q.Arn` |');
    expect(rendered).toContain(
      '| **(no comment: say why in template.yaml)** | Allow | `sqs:DeleteMessage` |',
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
      '| Quarantine stale messages. (only when `HasQuarantine`) | Allow | `sqs:SendMessage` | `!GetAtt Q.Arn` |',
    );
  });
});
