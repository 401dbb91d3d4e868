// The control-plane budget's arithmetic and sharing, on a discrete-event clock: many runs against one table
// of slot items, the table answering the two conditional updates as DynamoDB would.
import type { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  firstPlaceAt,
  ledgerBudget,
  localBudget,
  type Place,
  placeTime,
  slotKey,
} from '../../shared/fleet/budget.js';
import type { Clock } from '../../shared/rate.js';
import { eventClock } from './support/event-clock.js';

type Item = { used?: number; expiresAt?: number };

/**
 * The slot items, evaluating exactly the two updates ledgerBudget sends (and failing loudly on any other), each
 * answered after `latencyMs` of the clock as a Region would.
 */
function fakeTable(clock: Clock, latencyMs = 8) {
  const items = new Map<string, Item>();
  const calls: string[] = [];
  const conditionFailed = () =>
    Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
    });
  return {
    items,
    calls,
    async send(command: UpdateCommand) {
      await clock.sleep(latencyMs);
      const input = command.input;
      const key = String(input.Key?.auditId);
      const values = input.ExpressionAttributeValues as Record<string, number>;
      const item = items.get(key) ?? {};
      calls.push(key);
      if (input.ConditionExpression === 'attribute_not_exists(#used) OR #used <= :from') {
        if (item.used !== undefined && item.used > (values[':from'] as number)) throw conditionFailed();
        items.set(key, { used: values[':next'] as number, expiresAt: values[':exp'] as number });
        return {};
      }
      if (input.ConditionExpression === '#used <= :last') {
        if (item.used === undefined || item.used > (values[':last'] as number)) throw conditionFailed();
        const used = item.used + (values[':want'] as number);
        items.set(key, { used, expiresAt: values[':exp'] as number });
        return { Attributes: { used } };
      }
      throw new Error(`unexpected update ${input.ConditionExpression}`);
    },
  };
}

/** The most sends in any sliding one-second window [t, t + 1000). */
function peakPerSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    // Places on a grid of 1000/rate ms are a float apart: a nanosecond short of a second is a second.
    while ((sorted[end] as number) - (sorted[start] as number) >= 1000 - 1e-6) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

function perSecond(times: number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const time of times)
    counts.set(Math.floor(time / 1000), (counts.get(Math.floor(time / 1000)) ?? 0) + 1);
  return counts;
}

/** A run: `workers` callers each taking a token and then writing for `writeMs`, until `endMs`. */
function startRun(
  budget: { take(): Promise<unknown> },
  clock: Clock,
  endMs: number,
  workers = 4,
  writeMs = 0,
) {
  const sends: number[] = [];
  for (let worker = 0; worker < workers; worker++) {
    void (async () => {
      while (clock.now() < endMs) {
        await budget.take();
        if (clock.now() < endMs) sends.push(clock.now());
        if (writeMs > 0) await clock.sleep(writeMs);
      }
    })();
  }
  return sends;
}

const START = 1_800_000_000_000;

describe('ledgerBudget', () => {
  it('keeps two concurrent runs together within the budget in every one-second window', async () => {
    // Prepare
    const clock = eventClock(START + 370);
    const table = fakeTable(clock);
    const options = {
      dynamo: table,
      tableName: 'ledger',
      service: 'lambda',
      ratePerSecond: 20,
      clock,
    } as const;
    const end = START + 6_000;

    // Act
    const a = startRun(ledgerBudget(options), clock, end);
    const b = startRun(ledgerBudget(options), clock, end, 7);
    await clock.run(end);

    // Assess
    const all = [...a, ...b];
    expect(peakPerSecond(all)).toBeLessThanOrEqual(20);
    for (const count of perSecond(all).values()) expect(count).toBeLessThanOrEqual(20);
    for (const item of table.items.values()) expect(item.used).toBeLessThanOrEqual(20);
    // While both run the budget binds: together they use at least 90% of it, and neither is starved.
    expect(all.filter((t) => t >= START + 1_000 && t < end).length).toBeGreaterThanOrEqual(0.9 * 20 * 5);
    expect(Math.min(a.length, b.length)).toBeGreaterThanOrEqual(0.3 * all.length);
  });

  it('gives a lone run at least 90% of the budget while it binds, in a few ledger calls a second', async () => {
    // Prepare
    const clock = eventClock(START + 640);
    const table = fakeTable(clock);
    const budget = ledgerBudget({
      dynamo: table,
      tableName: 'ledger',
      service: 'scheduler',
      ratePerSecond: 200,
      clock,
    });
    const end = START + 5_000;

    // Act
    const sends = startRun(budget, clock, end, 16);
    await clock.run(end);

    // Assess
    expect(peakPerSecond(sends)).toBeLessThanOrEqual(200);
    expect(sends.filter((t) => t >= START + 1_000).length).toBeGreaterThanOrEqual(0.9 * 200 * 4);
    // Chunks of a quarter of the second: about four ledger calls a second, five at most.
    expect(table.calls.length).toBeLessThanOrEqual(5 * 5);
  });

  it('reaches at least 90% of the default Lambda budget of 5 writes a second', async () => {
    // Prepare
    const clock = eventClock(START + 10);
    const table = fakeTable(clock);
    const budget = ledgerBudget({
      dynamo: table,
      tableName: 'ledger',
      service: 'lambda',
      ratePerSecond: 5,
      clock,
    });
    const end = START + 10_000;

    // Act
    const sends = startRun(budget, clock, end, 2);
    await clock.run(end);

    // Assess
    expect(peakPerSecond(sends)).toBeLessThanOrEqual(5);
    expect(sends.filter((t) => t >= START + 1_000).length).toBeGreaterThanOrEqual(0.9 * 5 * 9);
  });

  it('gives a run writing one at a time at least 90% of the budget when each write takes a round trip', async () => {
    // Prepare
    const clock = eventClock(START + 250);
    const table = fakeTable(clock, 20);
    const budget = ledgerBudget({
      dynamo: table,
      tableName: 'ledger',
      service: 'lambda',
      ratePerSecond: 10,
      clock,
    });
    const end = START + 6_000;

    // Act
    const sends = startRun(budget, clock, end, 1, 50);
    await clock.run(end);

    // Assess
    expect(peakPerSecond(sends)).toBeLessThanOrEqual(10);
    expect(sends.filter((t) => t >= START + 1_000).length).toBeGreaterThanOrEqual(0.9 * 10 * 5);
  });

  it('keeps three runs of different sizes, starting at different times, within the budget', async () => {
    // Prepare
    const clock = eventClock(START);
    const table = fakeTable(clock, 25);
    const options = {
      dynamo: table,
      tableName: 'ledger',
      service: 'lambda',
      ratePerSecond: 15,
      clock,
    } as const;
    const end = START + 5_000;

    // Act
    const runs = [
      startRun(ledgerBudget(options), clock, end, 1),
      startRun(ledgerBudget({ ...options, chunk: 1 }), clock, end, 3),
    ];
    await clock.run(START + 1_234);
    runs.push(startRun(ledgerBudget({ ...options, chunk: 15 }), clock, end, 9));
    await clock.run(end);

    // Assess
    const all = runs.flat();
    expect(peakPerSecond(all)).toBeLessThanOrEqual(15);
    for (const sends of runs) expect(sends.length).toBeGreaterThan(0);
  });

  it('counts slots per service and account, and leaves items for TTL to remove a few minutes later', async () => {
    // Prepare
    const clock = eventClock(START + 500);
    const table = fakeTable(clock);
    const options = { dynamo: table, tableName: 'ledger', ratePerSecond: 4, clock } as const;

    // Act
    startRun(ledgerBudget({ ...options, service: 'lambda', account: '111122223333' }), clock, START + 2_000);
    startRun(ledgerBudget({ ...options, service: 'scheduler' }), clock, START + 2_000);
    await clock.run(START + 2_000);

    // Assess
    const second = START / 1000 + 1;
    expect(table.items.get(slotKey('lambda', '111122223333', second))).toEqual({
      used: 4,
      expiresAt: second + 300,
    });
    expect(table.items.get(`budget#scheduler#self#${second}`)).toEqual({ used: 4, expiresAt: second + 300 });
  });

  it('fails the write when the ledger fails, rather than sending without a token', async () => {
    // Prepare
    const dynamo = {
      send: async () => {
        throw Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' });
      },
    };
    const budget = ledgerBudget({ dynamo, tableName: 'gone', service: 'lambda', ratePerSecond: 5 });

    // Act / Assess
    await expect(budget.take()).rejects.toThrow('Requested resource not found');
    await expect(budget.take()).rejects.toThrow('Requested resource not found');
  });

  it.each([0, 2.5, -1, 20_000])('refuses a rate of %s', (ratePerSecond) => {
    expect(() =>
      ledgerBudget({ dynamo: fakeTable(eventClock()), tableName: 't', service: 'lambda', ratePerSecond }),
    ).toThrow(RangeError);
  });
});

describe('localBudget', () => {
  it('holds one run to the rate, but two runs with one each send twice it (why the ledger is shared)', async () => {
    // Prepare
    const clock = eventClock(START);
    const end = START + 3_000;

    // Act
    const alone = startRun(localBudget(10, clock), clock, end);
    const other = startRun(localBudget(10, clock), clock, end);
    await clock.run(end);

    // Assess
    expect(peakPerSecond(alone)).toBeLessThanOrEqual(10);
    expect(peakPerSecond([...alone, ...other])).toBeGreaterThan(10);
  });
});

describe('slot arithmetic', () => {
  it('finds the first place at or after a time, never one in the past', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.integer({ min: 1, max: 500 }),
        (now, rate) => {
          const place = firstPlaceAt(now, rate);
          expect(place.index).toBeGreaterThanOrEqual(0);
          expect(place.index).toBeLessThan(rate);
          expect(placeTime(place, rate)).toBeGreaterThanOrEqual(now - 1e-3);
          expect(placeTime(place, rate)).toBeLessThan(now + 1000 / rate);
        },
      ),
    );
  });

  it('never hands one place to two writes, nor more than the rate in any second, whatever the interleaving', async () => {
    const run = fc.record({
      startMs: fc.integer({ min: 0, max: 1_500 }),
      workers: fc.integer({ min: 1, max: 6 }),
      chunk: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.array(run, { minLength: 1, maxLength: 4 }),
        async (rate, latencyMs, runs) => {
          // Prepare
          const clock = eventClock(START);
          const table = fakeTable(clock, latencyMs);
          const end = START + 3_000;
          const places: Place[] = [];
          const sends: number[][] = [];

          // Act
          for (const { startMs, workers, chunk } of [...runs].sort((x, y) => x.startMs - y.startMs)) {
            await clock.run(START + startMs);
            const budget = ledgerBudget({
              dynamo: table,
              tableName: 'ledger',
              service: 'lambda',
              ratePerSecond: rate,
              clock,
              ...(chunk === undefined ? {} : { chunk }),
              onPlace: (place) => places.push(place),
            });
            sends.push(startRun(budget, clock, end, workers));
          }
          await clock.run(end);

          // Assess
          const keys = places.map((place) => `${place.slot}/${place.index}`);
          expect(new Set(keys).size).toBe(keys.length);
          for (const item of table.items.values()) expect(item.used).toBeLessThanOrEqual(rate);
          expect(peakPerSecond(sends.flat())).toBeLessThanOrEqual(rate);
        },
      ),
      { numRuns: 40 },
    );
  });
});
