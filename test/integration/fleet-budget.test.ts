// The control-plane budget shared by two runs through a ledger table in the emulator, on the wall clock. The
// control plane is a loopback stand-in answering UpdateAlias (moto's would answer too, but the test needs to
// see each attempt arrive and to throttle some): it records every request and throttles the first attempt of
// every fifth write, as Lambda answers TooManyRequestsException, so the SDK's retries are in the count too.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peakPerSecond } from '../../bench/fleet-estate.js';
import { ledgerBudget, type Place, placeTime, wallClock } from '../../shared/fleet/budget.js';
import { budgeted } from '../../shared/fleet/budgeted.js';
import { uniqueName } from '../support/names.js';

const RATE = 20;
const RUN_MS = 3_000;

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/**
 * The ledger calls of both runs, applied one at a time. moto's server is threaded and its UpdateItem checks a
 * condition and then writes without a lock (moto 5.2: dynamodb/models update_item), so two concurrent
 * conditional updates of one item can both pass; DynamoDB applies each conditional write to an item atomically
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
 * Queuing the requests gives moto DynamoDB's semantics; the runs' claims still interleave in time.
 */
function oneAtATime(client: DynamoDBDocumentClient): Pick<DynamoDBDocumentClient, 'send'> {
  let last: Promise<unknown> = Promise.resolve();
  return {
    send: ((command: never) => {
      const result = last.then(() => client.send(command));
      last = result.catch(() => undefined);
      return result;
    }) as DynamoDBDocumentClient['send'],
  };
}
const ledger = oneAtATime(dynamo);

function controlPlane() {
  const arrivals: { at: number; attempt: number }[] = [];
  let firstAttempts = 0;
  let throttled = 0;
  const server = createServer((request, response) => {
    const attempt = Number(/attempt=(\d+)/.exec(String(request.headers['amz-sdk-request']))?.[1] ?? 1);
    // The budget's own clock: Date.now() drifts from it by milliseconds over a worker's life (8 ms once, in a
    // worker that had run many files), which made a request look sent before its place.
    arrivals.push({ at: wallClock.now(), attempt });
    request.resume();
    request.on('end', () => {
      if (attempt === 1 && ++firstAttempts % 5 === 0) {
        throttled++;
        response.writeHead(429, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'TooManyRequestsException',
        });
        response.end(
          JSON.stringify({ message: 'Rate exceeded', Reason: 'CallerRateLimitExceeded', Type: 'User' }),
        );
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ Name: 'live', FunctionVersion: '7' }));
    });
  });
  return { server, arrivals, throttled: () => throttled };
}

describe('control-plane budget shared through the ledger (against the emulator)', () => {
  let tableName: string;
  const plane = controlPlane();
  let endpoint: string;

  beforeAll(async () => {
    tableName = uniqueName('budget-ledger');
    // The audit table's key, as template.yaml declares it; the slot items share it with the records.
    await dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'auditId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'auditId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    plane.server.listen(0, '127.0.0.1');
    await once(plane.server, 'listening');
    endpoint = `http://127.0.0.1:${(plane.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    plane.server.close();
    await once(plane.server, 'close');
  });

  it('keeps two concurrent runs together within the budget in every one-second window, retries included', async () => {
    // Prepare
    const places: Place[] = [];
    const run = async (workers: number) => {
      const lambda = new LambdaClient({ endpoint, maxAttempts: 3 });
      const budget = ledgerBudget({
        dynamo: ledger,
        tableName,
        service: 'lambda',
        account: '123456789012',
        ratePerSecond: RATE,
        onPlace: (place) => places.push(place),
      });
      budgeted(lambda, budget);
      const end = Date.now() + RUN_MS;
      let writes = 0;
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (Date.now() < end) {
            await lambda.send(
              new UpdateAliasCommand({ FunctionName: 'trading', Name: 'live', FunctionVersion: '7' }),
            );
            writes++;
          }
        }),
      );
      return writes;
    };

    // Act
    const [a, b] = await Promise.all([run(4), run(6)]);

    // Assess
    // Every attempt that reached the control plane took a place, and none was sent before its place's time
    // (the k-th request no earlier than the k-th place, on the same clock).
    expect(plane.arrivals).toHaveLength(places.length);
    const times = places.map((place) => placeTime(place, RATE)).sort((x, y) => x - y);
    const arrivals = plane.arrivals.map((arrival) => arrival.at).sort((x, y) => x - y);
    arrivals.forEach((at, k) => {
      expect(at).toBeGreaterThanOrEqual(times[k] as number);
    });
    // The two runs' places together: at most the budget in any second, aligned or sliding.
    expect(peakPerSecond(times)).toBeLessThanOrEqual(RATE);
    const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
    expect(Items.length).toBeGreaterThan(0);
    for (const item of Items) {
      expect(item.auditId).toMatch(/^budget#lambda#123456789012#\d+$/);
      expect(item.used).toBeLessThanOrEqual(RATE);
      expect(item.expiresAt).toBe(Number(String(item.auditId).split('#')[3]) + 300);
    }
    // Throttled writes were retried, each retry with a place of its own, and every write went through.
    expect(plane.throttled()).toBeGreaterThan(0);
    expect(plane.arrivals.filter((arrival) => arrival.attempt === 2)).toHaveLength(plane.throttled());
    expect(a + b).toBe(places.length - plane.throttled());
    expect(Math.min(a, b)).toBeGreaterThan(0);
  });
});
