// The bench's in-memory audit table (bench/memory-table.ts) answers the fleet budget's conditional UpdateItems as
// DynamoDB would: the fleet bench's budget figures are only as true as these answers.
import type { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type Item, tableAnswers } from '../../bench/memory-table.js';
import { ledgerBudget, type Place } from '../../shared/fleet/budget.js';
import { eventClock } from './support/event-clock.js';

const KEY = { auditId: 'budget#lambda#self#1800000000' };

/** ledgerBudget's fresh claim: nobody has claimed past `from`. */
const claimFresh = (from: number, want: number) => ({
  TableName: 'audit',
  Key: KEY,
  ExpressionAttributeNames: { '#used': 'used' },
  UpdateExpression: 'SET #used = :next, expiresAt = :exp',
  ConditionExpression: 'attribute_not_exists(#used) OR #used <= :from',
  ExpressionAttributeValues: { ':next': from + want, ':from': from, ':exp': 1_800_000_300 },
});

/** ledgerBudget's claim after others: `want` more if they fit under `rate`. */
const claimAfter = (want: number, rate: number) => ({
  TableName: 'audit',
  Key: KEY,
  ExpressionAttributeNames: { '#used': 'used' },
  UpdateExpression: 'SET expiresAt = :exp ADD #used :want',
  ConditionExpression: '#used <= :last',
  ExpressionAttributeValues: { ':want': want, ':last': rate - want, ':exp': 1_800_000_300 },
  ReturnValues: 'UPDATED_NEW',
});

function table() {
  const items = new Map<string, Item>();
  const answers = tableAnswers(items);
  const update = (input: Item) => (answers.UpdateCommand as (input: Item) => Item)(input);
  return { items, update };
}

describe('the bench in-memory table', () => {
  it('takes a fresh claim on a missing slot, and refuses it once someone has claimed past its first place', () => {
    // Prepare
    const { items, update } = table();

    // Act
    update(claimFresh(2, 3));

    // Assess
    expect(items.get(KEY.auditId)).toEqual({ auditId: KEY.auditId, used: 5, expiresAt: 1_800_000_300 });
    expect(() => update(claimFresh(4, 1))).toThrow(
      expect.objectContaining({ name: 'ConditionalCheckFailedException' }),
    );
    // At or past what is used, a fresh claim is allowed again (places skipped unclaimed stay skipped).
    update(claimFresh(5, 2));
    expect(items.get(KEY.auditId)?.used).toBe(7);
  });

  it('adds a claim after others and answers the new count, refusing one that would pass the rate', () => {
    // Prepare
    const { items, update } = table();

    // Act / Assess
    expect(() => update(claimAfter(2, 5))).toThrow(
      expect.objectContaining({ name: 'ConditionalCheckFailedException' }),
    );
    expect(items.has(KEY.auditId)).toBe(false);
    update(claimFresh(0, 2));
    expect(update(claimAfter(2, 5))).toEqual({ Attributes: { used: 4, expiresAt: 1_800_000_300 } });
    expect(() => update(claimAfter(2, 5))).toThrow(
      expect.objectContaining({ name: 'ConditionalCheckFailedException' }),
    );
    expect(update(claimAfter(1, 5))).toEqual({ Attributes: { used: 5, expiresAt: 1_800_000_300 } });
  });

  it.each([
    ['a NOT', { ...claimFresh(0, 1), ConditionExpression: 'NOT attribute_exists(#used)' }],
    ['a function it does not know', { ...claimFresh(0, 1), ConditionExpression: 'size(#used) < :from' }],
    ['arithmetic in SET', { ...claimFresh(0, 1), UpdateExpression: 'SET #used = #used + :next' }],
    ['a REMOVE', { ...claimFresh(0, 1), UpdateExpression: 'REMOVE expiresAt' }],
  ])('refuses %s rather than answering it wrongly', (_name, input) => {
    // Prepare
    const { items, update } = table();

    // Act / Assess
    expect(() => update(input)).toThrow(/does not evaluate/);
    expect(items.size).toBe(0);
  });

  it('lets two ledger budgets sharing it hand out every place of a second once at most', async () => {
    // Prepare
    const start = 1_800_000_000_000;
    const clock = eventClock(start + 130);
    const items = new Map<string, Item>();
    const answers = tableAnswers(items);
    const dynamo = {
      async send(command: UpdateCommand) {
        await clock.sleep(50);
        return (answers.UpdateCommand as (input: Item) => Item)(command.input as Item);
      },
    };
    const places: Place[] = [];
    const budget = () =>
      ledgerBudget({
        dynamo: dynamo as never,
        tableName: 'audit',
        service: 'lambda',
        ratePerSecond: 10,
        clock,
        onPlace: (place) => places.push(place),
      });
    const end = start + 4_000;
    const run = (shared: ReturnType<typeof budget>, workers: number) => {
      for (let worker = 0; worker < workers; worker++)
        void (async () => {
          while (clock.now() < end) await shared.take();
        })();
    };

    // Act
    run(budget(), 3);
    run(budget(), 5);
    await clock.run(end);

    // Assess
    const keys = places.map((place) => `${place.slot}/${place.index}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const item of items.values()) expect(item.used).toBeLessThanOrEqual(10);
    // Both claimed: the seconds were shared, through the table's answers.
    expect(places.length).toBeGreaterThanOrEqual(0.9 * 10 * 3);
  });
});
