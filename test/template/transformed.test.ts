// Checks on what CloudFormation really receives: template.yaml after the SAM transform. SAM writes the
// HTTP API's routes into an OpenAPI body, generates permissions, aliases, versions and — with a
// DeploymentPreference — a CodeDeploy application, deployment group and service role; none of that is in
// template.yaml itself, so only the transformed template can show it is as tight as what we wrote.
import { describe, expect, it } from 'vitest';
import type { Json, JsonObject } from '../../local/template.js';
import { alternatives, getAttOf, isObject, refOf, resourcesOfType } from './intrinsics.js';
import { checkIamPolicies } from './rules.js';
import { transformedTemplate } from './sam-transform.js';

/** The one operation that answers without a signature: liveness, which reads nothing. */
const OPEN_OPERATIONS = ['GET /health'];

describe('template.yaml after the SAM transform', () => {
  const template = transformedTemplate();

  it('has no SAM resources left and at least the runbook functions', () => {
    const types = Object.values(template.Resources ?? {}).map((r) => r.Type);
    expect(types.filter((t) => t.startsWith('AWS::Serverless::'))).toEqual([]);
    expect(types.filter((t) => t === 'AWS::Lambda::Function').length).toBeGreaterThanOrEqual(3);
  });

  it(`requires SigV4 on every API operation but ${OPEN_OPERATIONS.join(', ')}`, () => {
    // Prepare
    const unsigned: string[] = [];
    let operations = 0;
    for (const [id, api] of resourcesOfType(template, 'AWS::ApiGatewayV2::Api')) {
      const body = api.Properties?.Body;
      const paths = isObject(body) && isObject(body.paths) ? body.paths : {};
      for (const [path, methods] of Object.entries(paths)) {
        for (const [method, operation] of Object.entries(isObject(methods) ? methods : {})) {
          operations++;
          const key = `${method.toUpperCase()} ${path}`;
          // A security that switches on a parameter (`!If`) must have AWS_IAM as one branch (api.test.ts
          // checks it is the default and that only GET /health/metadata switches).
          const security = isObject(operation) ? alternatives(operation.security) : [];
          const iam = security.some((s) => isObject(s) && 'AWS_IAM' in s);
          if (!iam && !OPEN_OPERATIONS.includes(key)) unsigned.push(`${id}: ${key}`);
        }
      }
    }
    for (const [id, route] of resourcesOfType(template, 'AWS::ApiGatewayV2::Route')) {
      operations++;
      // A raw route may switch on a parameter; AWS_IAM must be one branch and the default (api.test.ts).
      if (!alternatives(route.Properties?.AuthorizationType).includes('AWS_IAM')) unsigned.push(id);
    }

    // Assess
    expect(operations).toBeGreaterThanOrEqual(3);
    expect(unsigned).toEqual([]);
  });

  it('runs every function on nodejs22.x, arm64, with active tracing and its own log group', () => {
    const problems = resourcesOfType(template, 'AWS::Lambda::Function').flatMap(([id, fn]) => {
      const p = fn.Properties ?? {};
      const out: string[] = [];
      if (p.Runtime !== 'nodejs22.x') out.push(`${id}: Runtime ${JSON.stringify(p.Runtime)}`);
      if (JSON.stringify(p.Architectures) !== '["arm64"]')
        out.push(`${id}: Architectures ${JSON.stringify(p.Architectures)}`);
      if (!isObject(p.TracingConfig) || p.TracingConfig.Mode !== 'Active')
        out.push(`${id}: tracing not Active`);
      if (!isObject(p.LoggingConfig) || p.LoggingConfig.LogGroup === undefined)
        out.push(`${id}: no own log group`);
      return out;
    });
    expect(problems).toEqual([]);
  });

  it('grants nothing broad, in the roles we wrote or the ones SAM generates', () => {
    expect(checkIamPolicies(template)).toEqual([]);
  });

  it('lets API Gateway invoke a function only from this stack’s API', () => {
    const loose = resourcesOfType(template, 'AWS::Lambda::Permission')
      .filter(([, permission]) => permission.Properties?.Principal === 'apigateway.amazonaws.com')
      .filter(([, permission]) => {
        const source = JSON.stringify(permission.Properties?.SourceArn ?? null);
        return !/\$\{OpsApi\}|"OpsApi"/.test(source);
      })
      .map(([id]) => id);
    expect(loose).toEqual([]);
  });

  it('wires every traffic-shifting alias to a deployment group and to hooks that exist', () => {
    // Prepare
    const resources = template.Resources ?? {};
    const problems: string[] = [];

    // Act
    for (const [id, alias] of resourcesOfType(template, 'AWS::Lambda::Alias')) {
      const update = (alias as JsonObject & { UpdatePolicy?: Json }).UpdatePolicy;
      const codedeploy = isObject(update) ? update.CodeDeployLambdaAliasUpdate : undefined;
      if (!isObject(codedeploy)) continue;
      const group = refOf(codedeploy.DeploymentGroupName);
      if (!group || resources[group]?.Type !== 'AWS::CodeDeploy::DeploymentGroup')
        problems.push(
          `${id}: deployment group ${JSON.stringify(codedeploy.DeploymentGroupName)} is not in the stack`,
        );
      for (const hook of ['BeforeAllowTrafficHook', 'AfterAllowTrafficHook']) {
        if (codedeploy[hook] === undefined) continue;
        const fn = refOf(codedeploy[hook]) ?? getAttOf(codedeploy[hook])?.logicalId;
        if (!fn || resources[fn]?.Type !== 'AWS::Lambda::Function')
          problems.push(`${id}: ${hook} is not a function of the stack`);
      }
    }

    // Assess
    expect(problems).toEqual([]);
  });
});
