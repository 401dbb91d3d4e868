// Sample events. The canonical ones live in events/<source>/<variant>.json (they also serve `sam local invoke`
// and the drill) and are loaded with `sampleEvent`; the variants only the unit tests need are built here.
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2WithIAMAuthorizer, SNSEvent } from 'aws-lambda';
import { ACCOUNT_ID, REGION } from './context.js';

const loaded = new Map<string, unknown>();

/** A fresh copy of `events/<path>`, safe to change in a test. */
export function sampleEvent<T = Record<string, unknown>>(path: string): T {
  if (!loaded.has(path)) {
    loaded.set(path, JSON.parse(readFileSync(new URL(`../../../events/${path}`, import.meta.url), 'utf8')));
  }
  return structuredClone(loaded.get(path)) as T;
}

export const OPERATOR_ARN = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';

export interface HttpApiOptions {
  method?: string;
  /** The declared route's path; `routeKey` becomes `METHOD path`. */
  path?: string;
  /** The path as requested, with any stage prefix; defaults to `path`. */
  rawPath?: string;
  routeKey?: string;
  body?: string;
  isBase64Encoded?: boolean;
  query?: Record<string, string>;
  /** The signing principal, as the IAM authorizer reports it; `null` for a route without authorization. */
  userArn?: string | null;
}

/** An HTTP API (payload format 2.0) event, as API Gateway sends it to a Lambda proxy integration. */
export function httpApiEvent(options: HttpApiOptions = {}): APIGatewayProxyEventV2WithIAMAuthorizer {
  const method = options.method ?? 'GET';
  const path = options.path ?? '/health/metadata';
  const rawPath = options.rawPath ?? path;
  const routeKey = options.routeKey ?? `${method} ${path}`;
  const userArn = options.userArn === undefined ? OPERATOR_ARN : options.userArn;
  const event = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { host: `abc123.execute-api.${REGION}.amazonaws.com`, 'user-agent': 'runbook-cli/0.1.0' },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: 'abc123',
      domainName: `abc123.execute-api.${REGION}.amazonaws.com`,
      domainPrefix: 'abc123',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.10',
        userAgent: 'runbook-cli/0.1.0',
      },
      requestId: 'Yx2AbCdEfGhIjK=',
      routeKey,
      stage: '$default',
      time: '22/Nov/2026:03:04:05 +0000',
      timeEpoch: 1795316645000,
      ...(userArn === null
        ? {}
        : {
            authorizer: {
              iam: {
                accessKey: 'ASIAEXAMPLEEXAMPLE01',
                accountId: ACCOUNT_ID,
                callerId: 'AROAEXAMPLE:alice',
                cognitoIdentity: null,
                principalOrgId: 'o-exampleorg',
                userArn,
                userId: 'AROAEXAMPLE:alice',
              },
            },
          }),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
  // A route without authorization carries no `authorizer`, which the IAM-authorizer type does not allow for.
  return event as APIGatewayProxyEventV2WithIAMAuthorizer;
}

export interface RestApiOptions {
  method?: string;
  resource?: string;
  path?: string;
  body?: string | null;
  query?: Record<string, string> | null;
  userArn?: string | null;
  caller?: string | null;
}

/** A REST API (payload format 1.0) Lambda proxy event. */
export function restApiEvent(options: RestApiOptions = {}): APIGatewayProxyEvent {
  const method = options.method ?? 'GET';
  const resource = options.resource ?? '/health/metadata';
  const path = options.path ?? resource;
  return {
    resource,
    path,
    httpMethod: method,
    headers: { Host: `abc123.execute-api.${REGION}.amazonaws.com` },
    multiValueHeaders: { Host: [`abc123.execute-api.${REGION}.amazonaws.com`] },
    queryStringParameters: options.query === undefined ? null : options.query,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: 'abc123',
      authorizer: undefined,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: options.caller === undefined ? null : options.caller,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.10',
        user: null,
        userAgent: 'runbook-cli/0.1.0',
        userArn: options.userArn === undefined ? OPERATOR_ARN : options.userArn,
      },
      path: `/prod${path}`,
      stage: 'prod',
      requestId: 'e5f6a7b8-1234-4cde-8f00-0123456789ab',
      requestTimeEpoch: 1795316645000,
      resourceId: 'r1s2t3',
      resourcePath: resource,
    },
    body: options.body === undefined ? null : options.body,
    isBase64Encoded: false,
  };
}

/** A CloudWatch alarm state change, as the alarm action publishes it to SNS. */
export function alarmNotification(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AlarmName: 'trading-workload-errors',
    AlarmDescription: 'Errors of the live alias of the trading function',
    AWSAccountId: ACCOUNT_ID,
    AlarmConfigurationUpdatedTimestamp: '2026-11-01T09:00:00.000+0000',
    NewStateValue: 'ALARM',
    NewStateReason:
      'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (22/11/26 03:00:00)] was greater than or equal to the threshold (1.0).',
    StateChangeTime: '2026-11-22T03:01:10.123+0000',
    Region: 'US East (N. Virginia)',
    AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT_ID}:alarm:trading-workload-errors`,
    OldStateValue: 'OK',
    OKActions: [],
    AlarmActions: [`arn:aws:sns:${REGION}:${ACCOUNT_ID}:lambda-runbook-alarms`],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      StatisticType: 'Statistic',
      Statistic: 'SUM',
      Unit: null,
      Dimensions: [
        { value: 'trading', name: 'FunctionName' },
        { value: 'live', name: 'Resource' },
      ],
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1.0,
      TreatMissingData: 'missing',
      EvaluateLowSampleCountPercentile: '',
    },
    ...overrides,
  };
}

/** The SNS event that delivers `message` (a notification object, or raw text) to a subscribed function. */
export function snsEvent(message: Record<string, unknown> | string = alarmNotification()): SNSEvent {
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT_ID}:lambda-runbook-alarms`;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: topicArn,
          Subject: 'ALARM: "trading-workload-errors" in US East (N. Virginia)',
          Message: typeof message === 'string' ? message : JSON.stringify(message),
          Timestamp: '2026-11-22T03:01:10.200Z',
          SignatureVersion: '1',
          Signature:
            'EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=',
          SigningCertUrl:
            'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
          UnsubscribeUrl: `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:2bcfbf39`,
          MessageAttributes: {},
        },
      },
    ],
  };
}
