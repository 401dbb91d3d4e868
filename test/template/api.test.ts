import { describe, expect, it } from 'vitest';
import { type JsonObject, loadTemplate, parameterValues, resolveValue } from '../../local/template.js';
import { ifOf, isObject, refsResourceOfType, resourcesOfType } from './intrinsics.js';

const template = loadTemplate();

// Routes anyone may call without SigV4. Adding one is a security decision: say why beside it.
/** SAM HttpApi events with `Auth.Authorizer: NONE`: the liveness probe, which reveals nothing. */
const openEventRoutes = ['GET /health'];
/** Raw routes whose AuthorizationType is an `!If` that may be NONE: metadata, open only by parameter. */
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

const rawRoutes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([name, resource]) => ({
  name,
  props: resource.Properties ?? {},
}));

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

  it(`requires AWS_IAM on every raw route, or an !If of AWS_IAM/NONE on ${switchableRoutes.join(', ')}`, () => {
    // Act
    const problems = rawRoutes.flatMap(({ name, props }) => {
      const authorization = props.AuthorizationType;
      if (authorization === 'AWS_IAM') return [];
      const branches = ifOf(authorization);
      const routeKey = String(props.RouteKey);
      if (!branches) return [`${name} (${routeKey}): AuthorizationType ${JSON.stringify(authorization)}`];
      const [, whenTrue, whenFalse] = branches;
      const problems: string[] = [];
      if (![whenTrue, whenFalse].every((branch) => branch === 'AWS_IAM' || branch === 'NONE')) {
        problems.push(`${name} (${routeKey}): !If branches must be AWS_IAM or NONE`);
      }
      if (!switchableRoutes.includes(routeKey)) {
        problems.push(
          `${name} (${routeKey}): only ${switchableRoutes.join(', ')} may switch its authorization`,
        );
      }
      return problems;
    });

    // Assess
    expect(problems).toEqual([]);
  });

  it('deploys every raw route with AWS_IAM under the default parameters (open only by choice)', () => {
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
    const authorizations = Object.fromEntries(
      rawRoutes.map(({ name, props }) => [name, resolveValue(ctx, props.AuthorizationType)]),
    );

    // Assess
    for (const [name, authorization] of Object.entries(authorizations)) {
      expect(authorization, name).toBe('AWS_IAM');
    }
  });
});
