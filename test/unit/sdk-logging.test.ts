// The project's SDK clients carry no SDK logger middleware: with no logger configured it logs to a no-op
// logger, after walking each call's input and output through their schemas (shared/clients.ts says why).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cloudWatchClient,
  codeDeployClient,
  dynamoDocumentClient,
  lambdaClient,
  resetSharedClients,
  schedulerClient,
  secretsManagerClient,
  snsClient,
  sqsClient,
  withoutSdkLogging,
} from '../../shared/clients.js';
import {
  accountClients,
  resetAccountClients,
  stsClient,
  taggingClient,
} from '../../shared/fleet/accounts.js';

const names = (client: { middlewareStack: { identify(): string[] } }) => client.middlewareStack.identify();
const logger = (client: { middlewareStack: { identify(): string[] } }) =>
  names(client).filter((name) => name.startsWith('loggerMiddleware'));

describe('SDK clients without the SDK logger middleware', () => {
  let server: Server;
  let endpoint: string;

  beforeAll(async () => {
    // A Lambda API answering GetAlias, so a client without the middleware is seen answering a real call.
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ Name: 'live', FunctionVersion: '3' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    resetSharedClients();
    resetAccountClients();
    await new Promise((resolve) => server.close(resolve));
  });

  it('is what an SDK client has by default, and what withoutSdkLogging takes off', () => {
    // Act
    const plain = new LambdaClient({});
    const quiet = withoutSdkLogging(new LambdaClient({}));

    // Assess: the SDK's own name for it, so a renamed middleware fails here rather than staying on silently
    expect(logger(plain)).toEqual(['loggerMiddleware - initialize']);
    expect(logger(quiet)).toEqual([]);
    expect(names(quiet)).toHaveLength(names(plain).length - 1);
  });

  it('is off on every shared client and every member-account client', () => {
    // Prepare
    resetSharedClients();
    const shared = [
      lambdaClient(),
      cloudWatchClient(),
      schedulerClient(),
      snsClient(),
      sqsClient(),
      secretsManagerClient(),
      codeDeployClient(),
      dynamoDocumentClient(),
      stsClient(),
      taggingClient(),
    ];
    const member = accountClients(
      {
        workloads: [],
        accounts: {
          '222222222222': {
            id: '222222222222',
            roleArn: 'arn:aws:iam::222222222222:role/lambda-runbook-member',
          },
        },
      },
      '222222222222',
    );
    const { account: _account, ...memberClients } = member;

    // Assess
    for (const client of [...shared, ...Object.values(memberClients)]) expect(logger(client)).toEqual([]);
  });

  it('answers a call as before: the middleware only logged', async () => {
    // Prepare
    const client = withoutSdkLogging(
      new LambdaClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' },
      }),
    );

    // Act
    const alias = await client.send(new GetAliasCommand({ FunctionName: 'fn', Name: 'live' }));

    // Assess
    expect(alias).toMatchObject({ Name: 'live', FunctionVersion: '3', $metadata: { httpStatusCode: 200 } });
    client.destroy();
  });
});
