import { describe, expect, it } from 'vitest';
import { type JsonObject, loadTemplate, parameterValues, resolveValue } from '../../local/template.js';
import { ifOf, isObject, refsResourceOfType, resourcesOfType } from './intrinsics.js';

const template = loadTemplate();

// Routes anyone may call without SigV4. Adding one is a security decision: say why beside it.
/** SAM HttpApi events with `Auth.Authorizer: NONE`: the liveness probe, which reveals nothing. */
const openEventRoutes = ['GET /health'];
/** DefinitionBody operations whose security is an `!If` that may be NONE: metadata, open only by parameter. */
const switchableRoutes = ['GET /health/metadata'];

const apis = resourcesOfType(template, 'AWS::Serverless::HttpApi').map(([name, resource]) => ({
  name,
  props: resource.Properties ?? {},
}));

/** Every `HttpApi` event of every function, with its route key (`GET /health`). */
const httpEvents = resourcesOfType(template, 'AWS::Serverless::Function').flatMap(([logicalId, resource]) => {
  const events = resource.Properties?.Events;
  return Object.entries(isObject(events) ? events : {})
    .filter(([, event]) => isObject(event) && event.Type === 'HttpApi')
    .map(([name, event]) => {
      const props = (isObject(event) && isObject(event.Properties) ? event.Properties : {}) as JsonObject;
      return {
        where: `${logicalId}.Events.${name}`,
        props,
        routeKey: `${String(props.Method ?? 'ANY').toUpperCase()} ${String(props.Path ?? '/')}`,
      };
    });
});

/** Every operation written in an HttpApi's own OpenAPI DefinitionBody, with its route key. */
const bodyOperations = apis.flatMap(({ props }) => {
  const body = props.DefinitionBody;
  const paths = isObject(body) && isObject(body.paths) ? body.paths : {};
  return Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(isObject(methods) ? methods : {}).map(([method, operation]) => ({
      routeKey: `${method.toUpperCase()} ${path}`,
      operation: (isObject(operation) ? operation : {}) as JsonObject,
    })),
  );
});

describe('the ops API (AWS::Serverless::HttpApi)', () => {
  it('is declared in the template', () => {
    // Assess
    expect(apis.length).toBeGreaterThan(0);
  });

  describe.each(apis)('$name', ({ props }) => {
    it('requires SigV4 (AWS_IAM) on every route by default', () => {
      // Assess
      expect(props.Auth).toMatchObject({ EnableIamAuthorizer: true, DefaultAuthorizer: 'AWS_IAM' });
    });

    it('writes access logs', () => {
      // Assess
      expect(props.AccessLogSettings).toMatchObject({
        DestinationArn: expect.anything(),
        Format: expect.any(String),
      });
    });

    it('throttles every route by default', () => {
      // Assess
      expect(props.DefaultRouteSettings).toMatchObject({
        ThrottlingBurstLimit: expect.any(Number),
        ThrottlingRateLimit: expect.any(Number),
      });
    });
  });

  it('serves every function HttpApi event from an API in the template, not SAM’s implicit unauthenticated one', () => {
    // Act
    const implicit = httpEvents
      .filter(({ props }) => !refsResourceOfType(template, props.ApiId, 'AWS::Serverless::HttpApi'))
      .map(({ where }) => where);

    // Assess
    expect(implicit).toEqual([]);
  });

  it(`opens (Authorizer: NONE) no HttpApi event route but ${openEventRoutes.join(', ')}`, () => {
    // Act
    const open = httpEvents
      .filter(({ props }) => isObject(props.Auth) && props.Auth.Authorizer === 'NONE')
      .map(({ routeKey }) => routeKey);

    // Assess
    expect(open.filter((routeKey) => !openEventRoutes.includes(routeKey))).toEqual([]);
  });

  it('declares no raw API Gateway route or integration: every route is in the API definition', () => {
    // A raw AWS::ApiGatewayV2::Route beside a SAM HttpApi is deleted by API Gateway when a later deploy
    // re-imports the API's changed OpenAPI body, while CloudFormation still lists it.
    const raw = Object.entries(template.Resources)
      .filter(([, resource]) => /^AWS::ApiGatewayV2::(Route|Integration)$/.test(resource.Type))
      .map(([name]) => name);
    expect(raw).toEqual([]);
  });

  it(`requires AWS_IAM on every operation of a DefinitionBody, or an !If of AWS_IAM/NONE on ${switchableRoutes.join(', ')}`, () => {
    // Act
    const problems = bodyOperations.flatMap(({ routeKey, operation }) => {
      const security = operation.security;
      if (JSON.stringify(security) === JSON.stringify([{ AWS_IAM: [] }])) return [];
      const branches = ifOf(security);
      if (!branches) return [`${routeKey}: security ${JSON.stringify(security)}`];
      const [, whenTrue, whenFalse] = branches;
      const allowed = [JSON.stringify([{ AWS_IAM: [] }]), JSON.stringify([{ NONE: [] }])];
      const problems: string[] = [];
      if (![whenTrue, whenFalse].every((branch) => allowed.includes(JSON.stringify(branch)))) {
        problems.push(`${routeKey}: !If branches must be [{ AWS_IAM: [] }] or [{ NONE: [] }]`);
      }
      if (!switchableRoutes.includes(routeKey)) {
        problems.push(`${routeKey}: only ${switchableRoutes.join(', ')} may switch its authorization`);
      }
      return problems;
    });

    // Assess
    expect(bodyOperations.map(({ routeKey }) => routeKey)).toEqual(expect.arrayContaining(switchableRoutes));
    expect(problems).toEqual([]);
  });

  it('deploys every DefinitionBody operation with AWS_IAM under the default parameters (open only by choice)', () => {
    // Prepare
    const ctx = {
      template,
      parameters: parameterValues(template),
      stackName: 'lambda-runbook',
      region: 'us-east-1',
      accountId: '123456789012',
      resources: {},
    };

    // Act
    const securities = Object.fromEntries(
      bodyOperations.map(({ routeKey, operation }) => [routeKey, resolveValue(ctx, operation.security)]),
    );

    // Assess
    for (const [routeKey, security] of Object.entries(securities)) {
      expect(security, routeKey).toEqual([{ AWS_IAM: [] }]);
    }
  });
});
