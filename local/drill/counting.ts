// Counts the AWS calls the handlers make, by attaching a middleware to the shared SDK clients they use.
import {
  cloudWatchClient,
  codeDeployClient,
  dynamoDocumentClient,
  lambdaClient,
  schedulerClient,
  secretsManagerClient,
  snsClient,
  sqsClient,
} from '../../shared/clients.js';

export interface CallCounter {
  total(): number;
  byOperation(): Record<string, number>;
  reset(): void;
}

// The part of every SDK v3 client this needs, typed once instead of per client.
type Handler = (args: unknown) => Promise<unknown>;
interface AnyClient {
  middlewareStack: {
    add(
      middleware: (next: Handler, context: { commandName?: string }) => Handler,
      options: { step: 'initialize'; name: string; override: boolean },
    ): void;
  };
}

export function countSharedClientCalls(): CallCounter {
  const counts = new Map<string, number>();
  const clients: [string, AnyClient][] = [
    ['Lambda', lambdaClient() as unknown as AnyClient],
    ['CloudWatch', cloudWatchClient() as unknown as AnyClient],
    ['CodeDeploy', codeDeployClient() as unknown as AnyClient],
    ['Scheduler', schedulerClient() as unknown as AnyClient],
    ['SNS', snsClient() as unknown as AnyClient],
    ['SQS', sqsClient() as unknown as AnyClient],
    ['SecretsManager', secretsManagerClient() as unknown as AnyClient],
    ['DynamoDB', dynamoDocumentClient() as unknown as AnyClient],
  ];
  for (const [service, client] of clients) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const key = `${service}.${(context.commandName ?? 'unknown').replace(/Command$/, '')}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'runbookDrillCallCounter', override: true },
    );
  }
  return {
    total: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    byOperation: () => Object.fromEntries(counts),
    reset: () => counts.clear(),
  };
}
