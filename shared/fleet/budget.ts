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
  /**
   * Resolves when the caller may send one control-plane write, with the time (epoch ms, `wallClock`) the
   * budget granted it: what the budget decided, before the caller's own delay in sending it.
   */
  take(): Promise<number>;
}

/** A clock on the epoch: slots are shared between processes, so `performance.now()` will not do. */
// Sub-millisecond: Date.now()'s whole milliseconds let two writes a place-second apart read 999 ms apart.
export const wallClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: systemClock.sleep,
};

// ------------------------------------------------------------------------------------ slot arithmetic
// Time is cut into one-second slots (epoch seconds), each into `rate` places on a grid: place i of slot s is
// at s·1000 + i·1000/rate ms. A token is one place. Runs claim places by index in the slot's ledger item, so
// no two runs hold the same place, and a write leaves no earlier than its place's time; a place whose time
// went by unused is given up, never used late. Hence at most `rate` places in any second, aligned or sliding:
// the places of all runs together lie on one grid, 1000/rate ms apart.
//
// Why places and not a token bucket per run inside each claimed chunk: with a bucket per run, two runs
// holding chunks of the same second each send at the full rate, so the slot's tokens can all be spent in its
// last half and the next slot's in its first, twice the budget in the sliding second between them.
//
// What the grid does not cover: a write leaves at the time it was granted plus the caller's own delay (a late
// timer, signing, a busy event loop), so a service counting arrivals may see a write more than the rate in a
// sliding second when that delay is longer for one write than for the write `rate` places later (a few ms on a
// loaded machine); and hosts' clocks differ by their NTP error (Lambda's by well under a millisecond). Both are
// why the defaults keep a margin under the quota instead of sitting on it.

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
  return new LedgerBudget(options);
}

interface Claimed {
  first: number;
  used: number;
}

class LedgerBudget implements ControlPlaneBudget {
  private readonly rate: number;
  private readonly clock: Clock;
  private readonly chunk: number;
  private readonly leadMs: number;
  private readonly cellMs: number;
  // Claimed places not yet handed out, in time order; the last place claimed; a slot's count as last seen.
  private places: Place[] = [];
  private lastClaimed: Place | undefined;
  private seen: { slot: number; used: number } | undefined;
  private claiming: Promise<void> | undefined;
  private roundTripMs = 0;
  // This run's own sends, as the Pacer keeps them: the write `rate` places back must have left a second ago,
  // so a timer firing late cannot bunch this run's writes into more than the rate in any sliding second. When
  // timers are on time the places are a second apart already and this never waits.
  private readonly sent: number[] = [];
  private next = 0;

  constructor(private readonly options: LedgerBudgetOptions) {
    checkRate(options.ratePerSecond);
    this.rate = options.ratePerSecond;
    this.clock = options.clock ?? wallClock;
    this.chunk = Math.max(1, Math.min(this.rate, options.chunk ?? Math.floor(this.rate / 4)));
    this.leadMs = options.leadMs ?? 150;
    this.cellMs = 1000 / this.rate;
  }

  async take(): Promise<number> {
    for (;;) {
      // A place whose time passed unused is lost: a write sent late would crowd the places after it.
      const now = this.clock.now();
      this.places = this.places.filter((place) => placeTime(place, this.rate) >= now);
      const place = this.places.shift();
      if (!place) {
        await this.startClaim();
        continue;
      }
      await this.until(placeTime(place, this.rate));
      const previous = this.sent[this.next];
      const gap = previous === undefined ? 0 : previous + 1000 - this.clock.now();
      // Waiting longer than half a place would carry the lateness on to every later write: give the place up.
      if (gap > this.cellMs / 2) continue;
      // Reserved before the wait, so a caller waking meanwhile checks the next one.
      const mine = this.next;
      this.next = (this.next + 1) % this.rate;
      if (previous !== undefined) await this.until(previous + 1000);
      this.options.onPlace?.(place);
      const granted = this.clock.now();
      this.sent[mine] = granted;
      return granted;
    }
  }

  /** Sleeps until the clock reads `at`: a timer may fire up to a millisecond early, so it looks again. */
  private async until(at: number): Promise<void> {
    for (let left = at - this.clock.now(); left > 0; left = at - this.clock.now())
      await this.clock.sleep(left);
  }

  /** One claim at a time per run; every caller waiting shares its chunk. */
  private startClaim(): Promise<void> {
    this.claiming ??= this.claim().finally(() => {
      this.claiming = undefined;
    });
    return this.claiming;
  }

  private async claim(): Promise<void> {
    // Claim no further ahead than the chunk in hand: a run holding the whole second would starve the others.
    if (this.lastClaimed) {
      const wait = placeTime(this.lastClaimed, this.rate) - this.leadMs - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
    }
    // Places that pass during the round trip would be lost: start after the last claim's round trip.
    const started = this.clock.now();
    let { slot, index: from } = firstPlaceAt(started + this.roundTripMs, this.rate);
    for (;;) {
      // Others only ever add to a slot's count: what this run saw last is a floor.
      const known = this.seen?.slot === slot ? this.seen.used : 0;
      const want = Math.min(this.chunk, this.rate - Math.max(known, from));
      const got =
        want < 1
          ? undefined
          : ((await this.claimIn(slot, from, want)) ??
            (want > 1 ? await this.claimIn(slot, from, 1) : undefined));
      if (got) {
        this.roundTripMs = (this.clock.now() - started) / 2 + this.roundTripMs / 2;
        this.seen = { slot, used: got.used };
        for (let index = got.first; index < got.used; index++) this.places.push({ slot, index });
        this.lastClaimed = this.places.at(-1);
        return;
      }
      // This second is full: the next one's places are all ahead.
      slot += 1;
      from = 0;
    }
  }

  /** `want` places of `slot` from `from` on, or undefined when fewer are left. */
  private async claimIn(slot: number, from: number, want: number): Promise<Claimed | undefined> {
    // The likelier form first: after this run's own claim in the slot, the count is already past `from`.
    const attempts =
      this.seen?.slot === slot && this.seen.used > from
        ? [() => this.claimAfter(slot, want), () => this.claimFresh(slot, from, want)]
        : [() => this.claimFresh(slot, from, want), () => this.claimAfter(slot, want)];
    for (const attempt of attempts) {
      try {
        return await attempt();
      } catch (error) {
        if (!isAwsError(error, 'ConditionalCheckFailedException')) throw error;
      }
    }
    return undefined;
  }

  private update(slot: number) {
    return {
      TableName: this.options.tableName,
      Key: { auditId: slotKey(this.options.service, this.options.account, slot) },
      ExpressionAttributeNames: { '#used': 'used' },
    };
  }

  private expiresAt(slot: number): number {
    return slot + (this.options.ttlSeconds ?? 300);
  }

  /** Nobody has claimed past `from`: take `from` onwards, skipping the places gone by unclaimed. */
  private async claimFresh(slot: number, from: number, want: number): Promise<Claimed> {
    await this.options.dynamo.send(
      new UpdateCommand({
        ...this.update(slot),
        UpdateExpression: 'SET #used = :next, expiresAt = :exp',
        ConditionExpression: 'attribute_not_exists(#used) OR #used <= :from',
        ExpressionAttributeValues: { ':next': from + want, ':from': from, ':exp': this.expiresAt(slot) },
      }),
    );
    return { first: from, used: from + want };
  }

  /** Others (or this run) claimed past `from`: take the places after theirs, if `want` are left. */
  private async claimAfter(slot: number, want: number): Promise<Claimed> {
    const { Attributes } = await this.options.dynamo.send(
      new UpdateCommand({
        ...this.update(slot),
        UpdateExpression: 'SET expiresAt = :exp ADD #used :want',
        ConditionExpression: '#used <= :last',
        ExpressionAttributeValues: { ':want': want, ':last': this.rate - want, ':exp': this.expiresAt(slot) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const used = Number(Attributes?.used);
    return { first: used - want, used };
  }
}
