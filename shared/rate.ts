// Pacing for bulk runbook work (disabling hundreds of schedules, redriving a DLQ): a rate limit that is
// never exceeded, a bound on requests in flight, a clean stop before a deadline, and backoff on throttling.
// Hand-written rather than a dependency: the three must cooperate (a worker takes a token, then checks the
// deadline, then calls), which p-limit and friends do not offer together, and the whole is ~100 lines.

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * A token bucket in its GCRA form: each `take()` is given the next free slot, `1000 / ratePerSecond` ms
 * after the previous one, and at most `burst` slots may be taken at once after an idle spell. Over any
 * window the number of calls let through is at most `burst + rate × window`, so the configured rate is a
 * ceiling, never an average that a burst may exceed.
 */
export class TokenBucket {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private readonly clock: Clock;
  // The theoretical arrival time of the next token.
  private tat = Number.NEGATIVE_INFINITY;

  constructor(options: { ratePerSecond: number; burst?: number; clock?: Clock }) {
    const { ratePerSecond, burst = 1 } = options;
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond))
      throw new RangeError(`ratePerSecond must be a positive number, got ${ratePerSecond}`);
    if (!Number.isInteger(burst) || burst < 1)
      throw new RangeError(`burst must be an integer ≥ 1, got ${burst}`);
    this.intervalMs = 1000 / ratePerSecond;
    this.toleranceMs = (burst - 1) * this.intervalMs;
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Resolves when the caller may make one request, with the time (on the bucket's clock) of the slot it was
   * given: when the bucket let it go, not when the caller's continuation came to run after the wait.
   */
  async take(): Promise<number> {
    const now = this.clock.now();
    const slot = Math.max(now, this.tat - this.toleranceMs);
    this.tat = Math.max(this.tat, now) + this.intervalMs;
    if (slot > now) await this.clock.sleep(slot - now);
    return slot;
  }
}

/**
 * The bucket's burst for a rate: one token at ordinary rates, so the rate is a strict ceiling; at 200/s and
 * above a token every few milliseconds is finer than a timer can wait (setTimeout sleeps at least about 1 ms,
 * and a late waker loses its slot), so up to 10 ms of tokens (at most 10) may be taken at once. Any one-second
 * window then holds at most rate + burst calls: within 1% of the rate.
 */
export function burstFor(ratePerSecond: number): number {
  return Math.max(1, Math.min(10, Math.floor(ratePerSecond / 100)));
}

export type Settled<R> =
  | { status: 'ok'; value: R }
  | { status: 'error'; error: unknown }
  | { status: 'skipped' };

export interface MapOptions {
  /** Requests in flight at most. */
  concurrency: number;
  /** Taken before each item; omit for no rate limit. */
  bucket?: TokenBucket;
  /** Checked before each item starts; once true, the remaining items are `skipped` (a deadline, an abort). */
  shouldStop?: () => boolean;
}

/**
 * Runs `fn` over every item with bounded concurrency, keeping each outcome in input order. One item's
 * failure never stops the others: bulk operations report per item, so a partial run can be finished later.
 */
export async function mapSettled<T, R>(
  items: readonly T[],
  options: MapOptions,
  fn: (item: T, index: number) => Promise<R>,
): Promise<Settled<R>[]> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
    throw new RangeError(`concurrency must be an integer ≥ 1, got ${options.concurrency}`);
  const results: Settled<R>[] = items.map(() => ({ status: 'skipped' }));
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      if (options.shouldStop?.()) return;
      await options.bucket?.take();
      // The deadline may have passed while waiting for a token.
      if (options.shouldStop?.()) return;
      try {
        results[index] = { status: 'ok', value: await fn(items[index] as T, index) };
      } catch (error) {
        results[index] = { status: 'error', error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, items.length) }, worker));
  return results;
}

// Error names AWS services use for "slow down"; the SDK's own list lives in a package we do not depend on.
const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
  'LimitExceededException',
]);

export function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return THROTTLING_NAMES.has(error.name) || status === 429;
}

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  retryable?: (error: unknown) => boolean;
  clock?: Clock;
  /** Jitter source in [0, 1); injected so tests are exact. */
  random?: () => number;
  /** Stops retrying early (e.g. no time left before a deadline); the last error is thrown. */
  shouldStop?: () => boolean;
}

/**
 * Retries `fn` on throttling with exponential backoff and full jitter
 * (https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/). On top of the SDK's
 * own retries, which a caller may have turned down (tests run with AWS_MAX_ATTEMPTS=1), this is for the
 * writes whose loss costs most: a status CodeDeploy waits an hour for, a schedule left half-disabled.
 */
export async function retryThrottled<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const {
    attempts = 5,
    baseDelayMs = 100,
    maxDelayMs = 5_000,
    retryable = isThrottling,
    clock = systemClock,
    random = Math.random,
  } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= attempts || !retryable(error) || options.shouldStop?.()) throw error;
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      await clock.sleep(random() * ceiling);
    }
  }
}

// ------------------------------------------------------------------------------------------ pacing

/** A second, and 1% for the jitter between taking a place and the request leaving. */
const WINDOW_MS = 1_010;

export interface PacerOptions {
  /** Calls per second at most, over any one second. */
  ratePerSecond: number;
  clock?: Clock;
  /** Time left before the caller's deadline (a Lambda's timeout); omit for none. */
  remainingMs?: () => number;
  /** Below this much time left, no call starts and retries stop (default 5 s). */
  marginMs?: number;
}

/**
 * Paces every call of one request to a service: a token bucket at the configured rate, then a sliding window
 * over the times calls actually left. The bucket schedules slots at the rate, but on a busy event loop a timer
 * fires late and the calls behind it bunch up; the window keeps any one second at the limit anyway. Throttled
 * calls are retried with backoff, and `outOfTime()` tells bulk work (mapSettled's `shouldStop`) to stop cleanly.
 */
export class Pacer {
  readonly bucket: TokenBucket;
  calls = 0;
  private readonly clock: Clock;
  private readonly sent: number[] = [];
  private readonly size: number;
  private next = 0;
  constructor(private readonly options: PacerOptions) {
    this.clock = options.clock ?? systemClock;
    this.bucket = new TokenBucket({ ratePerSecond: options.ratePerSecond, clock: this.clock });
    this.size = Math.max(1, Math.floor(options.ratePerSecond));
  }
  /** One paced call, retried on throttling. */
  send<T>(call: () => Promise<T>): Promise<T> {
    return retryThrottled(
      async () => {
        await this.slot();
        this.calls++;
        return call();
      },
      { clock: this.clock, shouldStop: () => this.outOfTime() },
    );
  }
  private async slot(): Promise<void> {
    await this.bucket.take();
    // The call `size` places back must have left at least a second ago. Places are taken synchronously; with
    // fewer calls in flight than places (16 against 200 at the defaults) no two callers wait on the same one.
    const place = this.next;
    this.next = (this.next + 1) % this.size;
    const previous = this.sent[place];
    if (previous !== undefined) {
      const wait = previous + WINDOW_MS - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
    }
    this.sent[place] = this.clock.now();
  }
  /** Whether the deadline is near: bulk work stops here, and what is left is reported skipped. */
  outOfTime(): boolean {
    const { remainingMs, marginMs = 5_000 } = this.options;
    return remainingMs !== undefined && remainingMs() < marginMs;
  }
}
