// One client per service, created on first use and reused for the life of the container
// (https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/lambda-best-practices.html).
// No client is built at module load, so importing this file makes no network call and costs nothing
// for the services a function does not use: the factories are pure and esbuild drops the unused ones.
//
// Endpoint, region and retry count come from the environment the SDK already reads
// (AWS_ENDPOINT_URL, AWS_REGION, AWS_MAX_ATTEMPTS): handler code never names an endpoint, so the same
// bundle talks to AWS in Lambda and to the local emulator in tests and drills.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface Lazy<T> {
  (): T;
  /** Replaces the instance (tests inject a client pointed elsewhere) or, with no argument, forgets it. */
  reset(instance?: T): void;
}

// How to destroy and forget each lazy client, so that resetSharedClients reaches them all.
const forgetters: (() => void)[] = [];

export function lazy<T>(create: () => T): Lazy<T> {
  let instance: T | undefined;
  const get = (() => {
    instance ??= create();
    return instance;
  }) as Lazy<T>;
  get.reset = (next?: T) => {
    instance = next;
  };
  forgetters.push(() => {
    (instance as { destroy?: () => void } | undefined)?.destroy?.();
    instance = undefined;
  });
  return get;
}

/**
 * Destroys and forgets every shared client, so that the next use builds one from the environment as it is
 * then. A client keeps the endpoint it resolved when it was built: a process that stops one emulator and
 * starts another (the bench, between sections) must call this in between. Lambda never needs it.
 *
 * @example
 * await moto.stop();
 * resetSharedClients();
 */
export function resetSharedClients(): void {
  for (const forget of forgetters) forget();
}

/**
 * `client` without the SDK's logger middleware. No client of the project is given a logger (Powertools logs
 * what the project logs), so that middleware logs every call to the SDK's no-op logger: but it still walks the
 * call's input and output through their schemas first, to mask the sensitive fields of a log line nobody
 * writes — about 3 ms of the CLI's 85-ms dry run, and in proportion on every ledger read of a function.
 * Nothing else is in that middleware (it passes the response and the error through unchanged).
 */
export function withoutSdkLogging<C extends { middlewareStack: { remove(name: string): boolean } }>(
  client: C,
): C {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

export const lambdaClient = /* @__PURE__ */ lazy(() => withoutSdkLogging(new LambdaClient({})));
export const cloudWatchClient = /* @__PURE__ */ lazy(() => withoutSdkLogging(new CloudWatchClient({})));
export const schedulerClient = /* @__PURE__ */ lazy(() => withoutSdkLogging(new SchedulerClient({})));
export const snsClient = /* @__PURE__ */ lazy(() => withoutSdkLogging(new SNSClient({})));
// useQueueUrlAsEndpoint false: by default the SDK sends a request to the host of the QueueUrl it carries, not
// to this client's endpoint; a queue URL must never choose where signed requests go (issue 13).
export const sqsClient = /* @__PURE__ */ lazy(() =>
  withoutSdkLogging(new SQSClient({ useQueueUrlAsEndpoint: false })),
);
export const secretsManagerClient = /* @__PURE__ */ lazy(() =>
  withoutSdkLogging(new SecretsManagerClient({})),
);
export const codeDeployClient = /* @__PURE__ */ lazy(() => withoutSdkLogging(new CodeDeployClient({})));
// The document client shares its DynamoDB client's middleware stack.
export const dynamoDocumentClient = /* @__PURE__ */ lazy(() =>
  DynamoDBDocumentClient.from(withoutSdkLogging(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  }),
);
