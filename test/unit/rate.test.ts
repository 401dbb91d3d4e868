import { describe, expect, it } from 'vitest';
import {
  burstFor,
  type Clock,
  isThrottling,
  mapSettled,
  Pacer,
  retryThrottled,
  TokenBucket,
} from '../../shared/rate.js';

/** A clock whose sleeps advance time at once, recording when each caller was let through. */
function virtualClock(): Clock & { time: number } {
  const clock = {
    time: 0,
    now: () => clock.time,
    sleep: async (ms: number) => {
      clock.time += Math.max(0, ms);
    },
  };
  return clock;
}

function throttled(name = 'ThrottlingException'): Error {
  return Object.assign(new Error('Rate exceeded'), { name });
}

describe('TokenBucket', () => {
  it('resolves with the time of the slot it gave, not with when the caller woke after it', async () => {
    // Prepare: a clock whose every sleep overshoots by 7 ms, as a busy event loop's timers do.
    const clock = virtualClock();
    const late: Clock = { now: clock.now, sleep: async (ms) => clock.sleep(ms + 7) };
    const bucket = new TokenBucket({ ratePerSecond: 10, clock: late });

    // Act
    const granted = [await bucket.take(), await bucket.take(), await bucket.take()];

    // Assess
    expect(granted).toEqual([0, 100, 200]);
    expect(clock.now()).toBe(207);
  });

  it('spaces calls at the configured rate, never faster', async () => {
    // Prepare
    const clock = virtualClock();
    const bucket = new TokenBucket({ ratePerSecond: 4, clock });
    const times: number[] = [];

    // Act
    for (let i = 0; i < 9; i++) {
      await bucket.take();
      times.push(clock.now());
    }

    // Assess
    expect(times).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
  });

  it('lets a burst through after an idle spell, then holds the rate', async () => {
    // Prepare
    const clock = virtualClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, clock });
    await bucket.take();
    clock.time = 10_000;
    const times: number[] = [];

    // Act
    for (let i = 0; i < 5; i++) {
      await bucket.take();
      times.push(clock.now());
    }

    // Assess
    expect(times).toEqual([10_000, 10_000, 10_000, 10_100, 10_200]);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a rate of %s', (rate) => {
    expect(() => new TokenBucket({ ratePerSecond: rate })).toThrow(/ratePerSecond/);
  });
});

describe('mapSettled', () => {
  it('keeps at most `concurrency` calls in flight and every outcome in input order', async () => {
    // Prepare
    let inFlight = 0;
    let peak = 0;

    // Act
    const results = await mapSettled([1, 2, 3, 4, 5, 6, 7], { concurrency: 3 }, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      if (n === 4) throw new Error('four failed');
      return n * 10;
    });

    // Assess
    expect(peak).toBe(3);
    expect(results.map((r) => (r.status === 'ok' ? r.value : r.status))).toEqual([
      10,
      20,
      30,
      'error',
      50,
      60,
      70,
    ]);
  });

  it('skips what remains once told to stop, without starting it', async () => {
    // Prepare
    const started: number[] = [];

    // Act
    const results = await mapSettled(
      [1, 2, 3, 4],
      { concurrency: 1, shouldStop: () => started.length >= 2 },
      async (n) => {
        started.push(n);
        return n;
      },
    );

    // Assess
    expect(started).toEqual([1, 2]);
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'skipped', 'skipped']);
  });

  it('takes a token before each call, even with workers to spare', async () => {
    // Prepare: time stands still, so each wait is the distance to that call's slot.
    const waits: number[] = [];
    const clock = { now: () => 0, sleep: async (ms: number) => void waits.push(ms) };
    const bucket = new TokenBucket({ ratePerSecond: 2, clock });

    // Act
    await mapSettled([1, 2, 3], { concurrency: 3, bucket }, async () => {});

    // Assess
    expect(waits).toEqual([500, 1000]);
  });
});

describe('retryThrottled', () => {
  it('retries throttling with growing, jittered delays and returns the first success', async () => {
    // Prepare
    const clock = virtualClock();
    const sleeps: number[] = [];
    const sleepingClock = { ...clock, sleep: async (ms: number) => void sleeps.push(ms) };
    let calls = 0;

    // Act
    const value = await retryThrottled(
      async () => {
        calls++;
        if (calls < 4) throw throttled();
        return 'done';
      },
      { clock: sleepingClock, random: () => 0.5, baseDelayMs: 100 },
    );

    // Assess
    expect(value).toBe('done');
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('gives up after the last attempt with the service error', async () => {
    await expect(
      retryThrottled(
        async () => {
          throw throttled('TooManyRequestsException');
        },
        { attempts: 3, clock: virtualClock() },
      ),
    ).rejects.toThrow('Rate exceeded');
  });

  it('does not retry an error that is not throttling', async () => {
    let calls = 0;
    await expect(
      retryThrottled(
        async () => {
          calls++;
          throw Object.assign(new Error('no such schedule'), { name: 'ResourceNotFoundException' });
        },
        { clock: virtualClock() },
      ),
    ).rejects.toThrow('no such schedule');
    expect(calls).toBe(1);
  });

  it('recognises throttling by name or by HTTP 429', () => {
    expect(isThrottling(throttled('SlowDown'))).toBe(true);
    expect(isThrottling(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 429 } }))).toBe(true);
    expect(isThrottling(new Error('boom'))).toBe(false);
    expect(isThrottling('ThrottlingException')).toBe(false);
  });
});

describe('burstFor', () => {
  it.each([
    [0.5, 1],
    [50, 1],
    [199, 1],
    [500, 5],
    [1000, 10],
    [5000, 10],
  ])('at %s/s lets %s redrives through at once', (rate, burst) => {
    // Assess
    expect(burstFor(rate)).toBe(burst);
  });
});

describe('Pacer', () => {
  it('lets at most the rate through in any one second, and retries a throttled call', async () => {
    // Prepare
    const clock = virtualClock();
    const pacer = new Pacer({ ratePerSecond: 10, clock });
    const times: number[] = [];
    let refused = false;

    // Act
    for (let i = 0; i < 25; i++) {
      await pacer.send(async () => {
        if (i === 3 && !refused) {
          refused = true;
          throw throttled();
        }
        times.push(clock.now());
      });
    }

    // Assess: 25 calls answered, 26 sent (one retried), and no 11 of them within a second.
    expect(times).toHaveLength(25);
    expect(pacer.calls).toBe(26);
    for (let i = 0; i + 10 < times.length; i++)
      expect((times[i + 10] as number) - (times[i] as number)).toBeGreaterThanOrEqual(1000);
  });

  it('is out of time below the margin, and then gives up on a throttled call at once', async () => {
    // Prepare
    let remaining = 60_000;
    const pacer = new Pacer({ ratePerSecond: 10, clock: virtualClock(), remainingMs: () => remaining });
    let attempts = 0;

    // Act
    const before = pacer.outOfTime();
    remaining = 4_999;
    const attempt = pacer.send(async () => {
      attempts++;
      throw throttled();
    });

    // Assess
    expect(before).toBe(false);
    expect(pacer.outOfTime()).toBe(true);
    await expect(attempt).rejects.toThrow('Rate exceeded');
    expect(attempts).toBe(1);
    expect(new Pacer({ ratePerSecond: 10 }).outOfTime()).toBe(false);
  });
});
