import type { Context } from 'aws-lambda';

export interface ContextOptions {
  functionName?: string;
  functionVersion?: string;
  /** The qualifier the function was invoked through: an alias (`live`), a version (`7`), or none. */
  qualifier?: string;
  awsRequestId?: string;
  memoryLimitInMB?: string;
  /** The configured timeout; getRemainingTimeInMillis counts down from it like Lambda's does. */
  timeoutMs?: number;
}

export const ACCOUNT_ID = '123456789012';
export const REGION = 'us-east-1';

/**
 * A Lambda context shaped like the one the Node.js runtime passes: an invoked ARN carrying the qualifier,
 * a request id, log group and stream names, and a remaining time that really decreases.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html
 */
export function lambdaContext(options: ContextOptions = {}): Context {
  const functionName = options.functionName ?? 'lambda-runbook-HealthFunction-a1B2c3D4e5F6';
  const functionVersion = options.functionVersion ?? '7';
  const qualifier = options.qualifier === undefined ? 'live' : options.qualifier;
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const unqualified = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${functionName}`;
  const legacy = (name: string) => () => {
    throw new Error(`context.${name}() is a legacy callback the runbook never uses`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion,
    invokedFunctionArn: qualifier === '' ? unqualified : `${unqualified}:${qualifier}`,
    memoryLimitInMB: options.memoryLimitInMB ?? '256',
    awsRequestId: options.awsRequestId ?? 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `2026/11/22/[${functionVersion}]7c1f3a9e0b2d4c6e8f0a1b3c5d7e9f01`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: legacy('done'),
    fail: legacy('fail'),
    succeed: legacy('succeed'),
  };
}
