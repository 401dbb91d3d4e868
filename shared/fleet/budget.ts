// One budget for the control plane (issue 16, point 4): every control-plane write of a run takes a token here,
// and all runs of the runbook that write to one service in one account share the same tokens through the
// ledger table, so concurrent fleet actions do not multiply the rate.
//
// The quotas the defaults stay under:
// - Lambda: 15 requests per second across all control-plane APIs together (every call but Invoke, GetFunction
//   and GetPolicy), per Region and account, and it cannot be increased
//   (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html, "Lambda API requests"). Reads
//   such as GetAlias and ListVersionsByFunction count against the same 15. The default write budget, 5/s,
//   is a third of it: the runbook's own plan reads, the workload's CI deploying at the same time and the
//   console of the engineer on call keep the other two thirds, so the rollback is not the one throttled.
// - EventBridge Scheduler: per operation (UpdateSchedule, DeleteSchedule, CreateSchedule), 1,000 to 5,000
//   requests per second in the main Regions and 250 in the others, adjustable; CreateScheduleGroup and
//   DeleteScheduleGroup 10 (https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html).
//   200/s is below the smallest per-operation figure, as the kill switch's own rate already is.

import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isAwsError } from '../errors.js';
import { type Clock, systemClock, TokenBucket } from '../rate.js';

export type ControlPlaneService = 'lambda' | 'scheduler';

/** Default writes per second per service and account, shared by every run (see the quotas above). */
export const DEFAULT_WRITE_BUDGET: Readonly<Record<ControlPlaneService, number>> = {
  lambda: 5,
  scheduler: 200,
};

export interface ControlPlaneBudget {
  /** Resolves when the caller may send one control-plane write. */
  take(): Promise<void>;
}

/** A clock on the epoch: slots are shared between processes, so `performance.now()` will not do. */
export const wallClock: Clock = { now: () => Date.now(), sleep: systemClock.sleep };

// ------------------------------------------------------------------------------------ slot arithmetic
// Time is cut into one-second slots (epoch seconds), and each slot into `rate` places on a grid, place i of
// slot s at s·1000 + i·1000/rate ms. A token is one place. Places are claimed in the ledger by index, so no
// two runs hold the same place, and a token is used no earlier than its place's time. Hence in any aligned
// second at most `rate` writes, and, since the places of all runs together are 1000/rate ms apart, in any
// sliding second at most `rate` places: writes leave at their place's time plus a timer's lateness.

export interface Place {
  slot: number;
  index: number;
}

/** Epoch milliseconds of a place. */
export function placeTime(place: Place, rate: number): number {
  return place.slot * 1000 + (place.index * 1000) / rate;
}

/** The first place whose time is not before `nowMs`: the earliest a run may still claim. */
export function firstPlaceAt(nowMs: number, rate: number): Place {
  const global = Math.ceil((nowMs * rate) / 1000 - 1e-9);
  return { slot: Math.floor(global / rate), index: global % rate };
}

/**
 * The places a claim gets, as the ledger computes them: `used` is the slot's count before the claim
 * (undefined: no claim yet), `from` the first place not in the past, `want` the chunk asked for. Places before
 * `from` that nobody claimed are skipped (a write cannot go back in time); undefined: fewer than `want` left.
 * Pure, so the property test can drive it through any interleaving; `ledgerBudget` sends the same decision to
 * DynamoDB as two conditional updates.
 */
export function claimPlaces(
  used: number | undefined,
  from: number,
  want: number,
  rate: number,
): { first: number; used: number } | undefined {
  const start = Math.max(used ?? 0, from);
  if (start + want > rate) return undefined;
  return { first: start, used: start + want };
}

/** The ledger item of a slot: shares the audit table, which AuditLedger tells apart by its missing `action`. */
export function slotKey(service: ControlPlaneService, account: string | undefined, slot: number): string {
  return `budget#${service}#${account ?? 'self'}#${slot}`;
}

// ------------------------------------------------------------------------------------------ budgets

function checkRate(ratePerSecond: number): void {
  if (!Number.isInteger(ratePerSecond) || ratePerSecond < 1 || ratePerSecond > 10_000)
    throw new RangeError(`ratePerSecond must be an integer from 1 to 10000, got ${ratePerSecond}`);
}

/**
 * A budget for one process only: a token bucket at the rate. For the bench's naive comparison and for tests;
 * two runs each with one send twice the rate between them, which is what `ledgerBudget` prevents.
 */
export function localBudget(ratePerSecond: number, clock: Clock = wallClock): ControlPlaneBudget {
  checkRate(ratePerSecond);
  const bucket = new TokenBucket({ ratePerSecond, clock });
  return { take: () => bucket.take() };
}

export interface LedgerBudgetOptions {
  dynamo: Pick<DynamoDBDocumentClient, 'send'>;
  tableName: string;
  service: ControlPlaneService;
  /** The account acted in; undefined: the runbook's own. */
  account?: string;
  /** Writes per second across every run sharing the table. */
  ratePerSecond: number;
  clock?: Clock;
  /** Places per claim at most (default a quarter of the rate): two runs share a second fairly. */
  chunk?: number;
  /** How long before its places are due a run claims its next chunk (default 150 ms: a DynamoDB round trip). */
  leadMs?: number;
  /** Seconds the slot items live before TTL removes them. */
  ttlSeconds?: number;
  /** Called with the place of each write as it leaves (for tests and the bench). */
  onPlace?: (place: Place) => void;
}

/**
 * The budget shared through the ledger table. A run claims a chunk of places of the current second with one
 * conditional UpdateItem, then hands them out in order, each caller waiting for its place's time; when the
 * chunk is spent it claims the next one, moving to the next second once this one is full.
 *
 * @example
 * const budget = ledgerBudget({ dynamo, tableName, service: 'lambda', ratePerSecond: 5 });
 * const lambda = budgeted(new LambdaClient({}), budget);
 */
export function ledgerBudget(options: LedgerBudgetOptions): ControlPlaneBudget {
  const { ratePerSecond: rate, service, account } = options;
  checkRate(rate);
  const clock = options.clock ?? wallClock;
  const chunk = Math.max(1, Math.min(rate, options.chunk ?? Math.floor(rate / 4)));
  const leadMs = options.leadMs ?? 150;
  const cellMs = 1000 / rate;
  const ttlSeconds = options.ttlSeconds ?? 300;
  // Claimed places not yet handed out, in time order; the last place claimed; the slot's count as last seen.
  let places: Place[] = [];
  let lastClaimed: Place | undefined;
  let seen: { slot: number; used: number } | undefined;
  let claiming: Promise<void> | undefined;
  let roundTripMs = 0;
  // This run's own sends, as the Pacer keeps them: the write `rate` places back must have left a second ago,
  // so a timer firing late cannot bunch this run's writes into more than the rate in any sliding second. When
  // timers are on time the places are a second apart already and this never waits.
  const sent: number[] = [];
  let next = 0;

  async function claim(): Promise<void> {
    // Claim no further ahead than the chunk in hand: a run holding the whole second would starve the others.
    if (lastClaimed) {
      const wait = placeTime(lastClaimed, rate) - leadMs - clock.now();
      if (wait > 0) await clock.sleep(wait);
    }
    // Places that pass during the round trip would be lost: start after the last claim's round trip.
    const started = clock.now();
    let { slot, index: from } = firstPlaceAt(started + roundTripMs, rate);
    for (;;) {
      // Others only ever add to a slot's count: what this run saw last is a floor.
      const known = seen?.slot === slot ? seen.used : 0;
      const left = rate - Math.max(known, from);
      const want = Math.min(chunk, left);
      const got =
        want < 1
          ? undefined
          : ((await claimIn(slot, from, want)) ?? (want > 1 ? await claimIn(slot, from, 1) : undefined));
      if (got) {
        roundTripMs = (clock.now() - started) / 2 + roundTripMs / 2;
        seen = { slot, used: got.used };
        for (let index = got.first; index < got.used; index++) places.push({ slot, index });
        lastClaimed = places.at(-1);
        return;
      }
      // This second is full: the next one's places are all ahead.
      slot += 1;
      from = 0;
    }
  }

  async function claimIn(slot: number, from: number, want: number) {
    if (want < 1) return undefined;
    const request = { TableName: options.tableName, Key: { auditId: slotKey(service, account, slot) } };
    const names = { '#used': 'used' };
    const expiresAt = slot + ttlSeconds;
    // Nobody has claimed past `from`: take `from` onwards, skipping the places gone by unclaimed.
    const fresh = async () => {
      await options.dynamo.send(
        new UpdateCommand({
          ...request,
          UpdateExpression: 'SET #used = :next, expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(#used) OR #used <= :from',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':next': from + want, ':from': from, ':exp': expiresAt },
        }),
      );
      return { first: from, used: from + want };
    };
    // Others (or this run) claimed past `from`: take the places after theirs, if `want` are left.
    const after = async () => {
      const { Attributes } = await options.dynamo.send(
        new UpdateCommand({
          ...request,
          UpdateExpression: 'SET expiresAt = :exp ADD #used :want',
          ConditionExpression: '#used <= :last',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':want': want, ':last': rate - want, ':exp': expiresAt },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const used = Number(Attributes?.used);
      return { first: used - want, used };
    };
    // The likelier form first: after this run's own claim in the slot, the count is already past `from`.
    const order = seen?.slot === slot && seen.used > from ? [after, fresh] : [fresh, after];
    for (const attempt of order) {
      try {
        return await attempt();
      } catch (error) {
        if (!isAwsError(error, 'ConditionalCheckFailedException')) throw error;
      }
    }
    return undefined;
  }

  function startClaim(): Promise<void> {
    claiming ??= claim().finally(() => {
      claiming = undefined;
    });
    // A prefetch nobody awaits yet must not be an unhandled rejection; the next take() awaits it and throws.
    claiming.catch(() => undefined);
    return claiming;
  }

  async function take(): Promise<void> {
    for (;;) {
      // A place whose time passed unused is lost: a write sent late would crowd the places after it.
      const now = clock.now();
      places = places.filter((place) => placeTime(place, rate) >= now);
      const place = places.shift();
      if (!place) {
        await startClaim();
        continue;
      }
      // The last place in hand: claim the next chunk while this one is spent.
      if (places.length === 0) void startClaim();
      const wait = placeTime(place, rate) - now;
      if (wait > 0) await clock.sleep(wait);
      const previous = sent[next];
      const gap = previous === undefined ? 0 : previous + 1000 - clock.now();
      // Waiting longer than half a place would carry the lateness on to every later write: give the place up.
      if (gap > cellMs / 2) continue;
      // Reserved before the wait, so a caller waking meanwhile checks the next one.
      const mine = next;
      next = (next + 1) % rate;
      if (gap > 0) await clock.sleep(gap);
      options.onPlace?.(place);
      sent[mine] = clock.now();
      return;
    }
  }

  return { take };
}
