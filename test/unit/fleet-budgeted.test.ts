// The budget in front of a real SDK client: its own request handler answers, so the SDK's middleware stack,
// its standard retry included, runs as it does against AWS (aws-sdk-client-mock would replace `send` and skip it).
import { GetAliasCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { budgeted, countsAgainstLambdaQuota, isControlPlaneWrite } from '../../shared/fleet/budgeted.js';

interface Answer {
  status: number;
  body: object;
  errorType?: string;
}

/** A Lambda endpoint answering from a list; records each request it receives. */
function lambdaAnswering(answers: Answer[], maxAttempts = 3) {
  const requests: string[] = [];
  const client = new LambdaClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts,
    requestHandler: {
      handle: async (request: { method: string; path: string }) => {
        requests.push(`${request.method} ${request.path}`);
        const answer = answers.shift() ?? { status: 200, body: {} };
        return {
          response: {
            statusCode: answer.status,
            headers: {
              'content-type': 'application/json',
              ...(answer.errorType ? { 'x-amzn-errortype': answer.errorType } : {}),
            },
            body: new TextEncoder().encode(JSON.stringify(answer.body)),
          },
        };
      },
    } as never,
  });
  return { client, requests };
}

/** Grants the n-th token at n seconds past the epoch. */
function countingBudget() {
  const budget = {
    taken: 0,
    take: async () => {
      budget.taken++;
      return budget.taken * 1_000;
    },
  };
  return budget;
}

const throttle: Answer = {
  status: 429,
  errorType: 'TooManyRequestsException',
  body: { message: 'Rate exceeded', Reason: 'CallerRateLimitExceeded', Type: 'User' },
};
const alias = { AliasArn: 'arn:aws:lambda:us-east-1:123456789012:function:trading:live', Name: 'live' };

describe('budgeted', () => {
  it('takes a token before every attempt of a write, the retries of a throttled one included, and tells when each was granted', async () => {
    // Prepare
    const { client, requests } = lambdaAnswering([throttle, throttle, { status: 200, body: alias }]);
    const budget = countingBudget();
    const writes: string[] = [];
    const granted: number[] = [];
    budgeted(client, budget, {
      onWrite: (at, name) => {
        writes.push(name);
        granted.push(at);
      },
    });

    // Act
    const result = await client.send(
      new UpdateAliasCommand({ FunctionName: 'trading', Name: 'live', FunctionVersion: '7' }),
    );

    // Assess
    expect(result.Name).toBe('live');
    expect(requests).toHaveLength(3);
    expect(budget.taken).toBe(3);
    expect(writes).toEqual(['UpdateAlias', 'UpdateAlias', 'UpdateAlias']);
    // The budget's grant times, not the clock when the middleware came back from waiting.
    expect(granted).toEqual([1_000, 2_000, 3_000]);
  });

  it('sends nothing until the budget lets it, and nothing at all when the budget fails', async () => {
    // Prepare
    const { client, requests } = lambdaAnswering([]);
    budgeted(client, {
      take: async () => {
        throw new Error('ledger unavailable');
      },
    });

    // Act / Assess
    await expect(
      client.send(new UpdateAliasCommand({ FunctionName: 'trading', Name: 'live', FunctionVersion: '7' })),
    ).rejects.toThrow('ledger unavailable');
    expect(requests).toEqual([]);
  });

  it('lets reads through without a token', async () => {
    // Prepare
    const { client, requests } = lambdaAnswering([{ status: 200, body: alias }]);
    const budget = countingBudget();
    budgeted(client, budget);

    // Act
    await client.send(new GetAliasCommand({ FunctionName: 'trading', Name: 'live' }));

    // Assess
    expect(requests).toHaveLength(1);
    expect(budget.taken).toBe(0);
  });

  it('budgets the commands a caller chooses, e.g. every call counted against Lambda’s shared quota', async () => {
    // Prepare
    const { client } = lambdaAnswering([{ status: 200, body: alias }]);
    const budget = countingBudget();
    budgeted(client, budget, { isBudgeted: countsAgainstLambdaQuota });

    // Act
    await client.send(new GetAliasCommand({ FunctionName: 'trading', Name: 'live' }));

    // Assess
    expect(budget.taken).toBe(1);
  });

  it('is added once however often it is applied', async () => {
    // Prepare
    const { client } = lambdaAnswering([{ status: 200, body: alias }]);
    const budget = countingBudget();
    budgeted(budgeted(client, budget), budget);

    // Act
    await client.send(
      new UpdateAliasCommand({ FunctionName: 'trading', Name: 'live', FunctionVersion: '7' }),
    );

    // Assess
    expect(budget.taken).toBe(1);
  });
});

describe('isControlPlaneWrite', () => {
  it.each([
    'UpdateAlias',
    'PutFunctionConcurrency',
    'DeleteFunctionConcurrency',
    'PublishVersion',
    'CreateAlias',
    'UpdateSchedule',
    'DeleteSchedule',
    'TagResource',
    'UntagResource',
    'AddPermission',
    'RemovePermission',
    'StopDeployment',
  ])('%s is a write', (name) => {
    expect(isControlPlaneWrite(name)).toBe(true);
  });

  it.each(['GetAlias', 'ListVersionsByFunction', 'GetSchedule', 'ListSchedules', 'Invoke', 'Updater', ''])(
    '%s is not',
    (name) => {
      expect(isControlPlaneWrite(name)).toBe(false);
    },
  );
});

describe('countsAgainstLambdaQuota', () => {
  it.each([
    ['GetAlias', true],
    ['ListVersionsByFunction', true],
    ['GetFunctionConfiguration', true],
    ['UpdateAlias', true],
    ['GetFunction', false],
    ['GetPolicy', false],
    ['Invoke', false],
    ['InvokeWithResponseStream', false],
  ])('%s: %s', (name, counts) => {
    expect(countsAgainstLambdaQuota(name)).toBe(counts);
  });
});
