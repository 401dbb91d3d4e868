// Throttling during an incident (every team hammering the Lambda API at once) must slow a rollback down,
// not fail it. aws-sdk-client-mock replaces `send`, so it cannot show the SDK's retries; here the real client
// from shared/clients.ts, configured as deployed (no AWS_MAX_ATTEMPTS: the SDK's standard retry mode),
// talks to a fake Lambda endpoint on loopback that throttles the first write.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RollbackDeps, rollback } from '../../functions/rollback/rollback.js';
import { lambdaClient } from '../../shared/clients.js';
import { fakeLedger } from './support/ledger.js';

const FN = 'trading';
const seen: string[] = [];
let throttles = 0;

const alias = (version: string) => ({
  AliasArn: `arn:aws:lambda:us-east-1:123456789012:function:${FN}:live`,
  Name: 'live',
  FunctionVersion: version,
  RevisionId: 'rev-1',
});

// Answers the Lambda REST-JSON calls a rollback to an explicit version makes.
function fakeLambda(
  request: IncomingMessage,
  body: string,
): { status: number; json: unknown; headers?: object } {
  const path = `${request.method} ${request.url?.split('?')[0]}`;
  seen.push(path);
  if (path === `GET /2015-03-31/functions/${FN}/aliases/live`) return { status: 200, json: alias('3') };
  if (path === `GET /2015-03-31/functions/${FN}/configuration`) {
    return { status: 200, json: { FunctionName: FN, Version: '2', Description: 'gitSha=abc1234 buildId=2' } };
  }
  if (path === `PUT /2015-03-31/functions/${FN}/aliases/live`) {
    if (throttles-- > 0) {
      return {
        status: 429,
        json: { message: 'Rate exceeded', Type: 'User', Reason: 'CallerRateLimitExceeded' },
        headers: { 'x-amzn-errortype': 'TooManyRequestsException' },
      };
    }
    return { status: 200, json: { ...alias(JSON.parse(body).FunctionVersion), RevisionId: 'rev-2' } };
  }
  return {
    status: 404,
    json: { message: `unexpected ${path}` },
    headers: { 'x-amzn-errortype': 'ResourceNotFoundException' },
  };
}

describe('rollback under API throttling', () => {
  let server: Server;
  const saved = { ...process.env };

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        const answer = fakeLambda(request, body);
        response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        response.end(JSON.stringify(answer.json));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    delete process.env.AWS_MAX_ATTEMPTS;
    lambdaClient.reset();
  });

  afterAll(async () => {
    lambdaClient.reset();
    Object.assign(process.env, saved);
    await new Promise((resolve) => server.close(resolve));
  });

  function deps(): RollbackDeps {
    return {
      lambda: lambdaClient(),
      codedeploy: new CodeDeployClient({}),
      ledger: fakeLedger(),
      logger: { info: () => undefined, warn: () => undefined },
      now: () => new Date('2026-11-22T03:00:00Z'),
      config: { rollbackAlarms: [], cooldownMinutes: 15 },
    };
  }

  it('retries a throttled UpdateAlias and completes the rollback', async () => {
    // Prepare
    seen.length = 0;
    throttles = 1;

    // Act
    const result = await rollback(
      deps(),
      {
        functionName: FN,
        alias: 'live',
        toVersion: '2',
        reason: 'v3 fails every order',
        dryRun: false,
        force: false,
      },
      { door: 'direct', actor: 'cli:alice@laptop', correlationId: 'req-1' },
    );

    // Assess
    expect(result).toMatchObject({ fromVersion: '3', toVersion: '2', changed: true });
    expect(seen.filter((call) => call.startsWith('PUT '))).toHaveLength(2);
  });

  it('fails the rollback, naming the throttling, when the retries run out', async () => {
    // Prepare: more throttles than the SDK's three attempts
    seen.length = 0;
    throttles = 10;

    // Act
    const attempt = rollback(
      deps(),
      {
        functionName: FN,
        alias: 'live',
        toVersion: '2',
        reason: 'v3 fails every order',
        dryRun: false,
        force: false,
      },
      { door: 'direct', actor: 'cli:alice@laptop', correlationId: 'req-2' },
    );

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    expect(seen.filter((call) => call.startsWith('PUT '))).toHaveLength(3);
  });
});
