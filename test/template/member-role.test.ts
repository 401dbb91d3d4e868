// member-role.yaml: the role each member account gives the runbook (issue 16, point 5). It must be trusted by
// the runbook account's fleet role and nothing else, grant nothing broad, and make the same choice per action
// as the fleet role itself (a tag, a generated list, "*" with a reason), so an account is no wider than home.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type JsonObject, loadTemplate, projectRoot } from '../../local/template.js';
import { cfnLint } from './cfn-lint.js';
import { alternatives, refOf, resourcesOfType } from './intrinsics.js';
import { actionsOf, statementsOf } from './policies.js';
import { checkIamPolicies } from './rules.js';

const member = loadTemplate(join(projectRoot, 'member-role.yaml'));

/** `${name}` as CloudFormation's !Sub writes it (built, so no reader takes it for a JavaScript placeholder). */
const v = (name: string) => `$${'{'}${name}}`;

describe('member-role.yaml', () => {
  it('passes cfn-lint with no findings, informational checks included', async () => {
    // Act
    const result = await cfnLint(['--include-checks', 'I'], 'member-role.yaml');

    // Assess
    expect(result).toEqual({ exitCode: 0, output: '' });
  }, 60_000);

  it('declares one role, named by its MemberRoleName parameter', () => {
    // Assess
    const roles = resourcesOfType(member, 'AWS::IAM::Role');
    expect(roles.map(([id]) => id)).toEqual(['MemberRole']);
    expect(roles[0]?.[1].Properties?.RoleName).toEqual({ Ref: 'MemberRoleName' });
    expect(member.Parameters?.MemberRoleName?.Default).toBe(
      loadTemplate().Parameters?.MemberRoleName?.Default,
    );
  });

  it("is trusted by the runbook account's fleet role alone: one statement, no service, no other principal", () => {
    // Prepare
    const trust = member.Resources.MemberRole?.Properties?.AssumeRolePolicyDocument as JsonObject;
    const statements = alternatives(trust.Statement);

    // Assess
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Sub': `arn:${v('AWS::Partition')}:iam::${v('RunbookAccountId')}:root` } },
        Action: 'sts:AssumeRole',
        Condition: {
          ArnEquals: {
            'aws:PrincipalArn': {
              'Fn::Sub': `arn:${v('AWS::Partition')}:iam::${v('RunbookAccountId')}:role/${v('RunbookRoleName')}`,
            },
          },
        },
      },
    ]);
    expect(member.Parameters?.RunbookAccountId).toMatchObject({
      Type: 'String',
      AllowedPattern: '^\\d{12}$',
    });
  });

  it("names the runbook stack's fleet role by the name template.yaml gives it (<stack>-fleet)", () => {
    // Assess: the default is the prod stack of samconfig.toml's.
    expect(member.Parameters?.RunbookRoleName?.Default).toBe('lambda-runbook-prod-fleet');
    expect(loadTemplate().Resources.FleetRole?.Properties?.RoleName).toEqual({
      'Fn::Sub': `${v('AWS::StackName')}-fleet`,
    });
  });

  it('grants nothing broad: "*" only for actions with no resource type', () => {
    expect(checkIamPolicies(member)).toEqual([]);
  });

  it("grants no statement the runbook's own fleet role does not grant in the same words (same scope per action)", () => {
    // Prepare
    const home = statementsOf(loadTemplate(), 'FleetRole').map((s) => JSON.stringify(s));
    const here = statementsOf(member, 'MemberRole');

    // Act
    const different = here
      .filter((statement) => !home.includes(JSON.stringify(statement)))
      .map(({ statement }) => actionsOf(statement).join(', '));

    // Assess
    expect(here.length).toBeGreaterThanOrEqual(10);
    expect(different).toEqual([]);
  });

  it('reaches every workload action the fleet role reaches by tag, list or "*" (nothing missing in a member account)', () => {
    // Prepare: the fleet role's statements that reach workloads: by tag, by a generated list, or "*".
    const template = loadTemplate();
    const lists = Object.entries(template.Parameters ?? {})
      .filter(([, parameter]) => parameter.Type === 'CommaDelimitedList')
      .map(([name]) => name);
    const scoped = (statement: JsonObject) =>
      JSON.stringify(statement.Condition ?? null).includes('aws:ResourceTag/') ||
      alternatives(statement.Resource).includes('*') ||
      lists.includes(refOf(statement.Resource) ?? '');
    const home = statementsOf(template, 'FleetRole')
      .filter(({ statement }) => scoped(statement))
      .filter(({ statement }) => !actionsOf(statement).some((action) => action.startsWith('xray:')));
    const here = statementsOf(member, 'MemberRole').map((s) => JSON.stringify(s));

    // Act
    const missing = home
      .filter((statement) => !here.includes(JSON.stringify(statement)))
      .map(({ statement }) => actionsOf(statement).join(', '));

    // Assess
    expect(home.length).toBeGreaterThanOrEqual(10);
    expect(missing).toEqual([]);
  });
});
