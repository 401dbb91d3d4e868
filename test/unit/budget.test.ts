import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describe as describeFailure, withinBudget } from '../../shared/budget.js';

describe('withinBudget', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers ok with what the read returned, and leaves its signal alone', async () => {
    // Prepare
    let seen: AbortSignal | undefined;

    // Act
    const part = await withinBudget(1000, async (signal) => {
      seen = signal;
      return { version: '7', routing: { '8': 0.1 } };
    });

    // Assess
    expect(part).toEqual({ status: 'ok', version: '7', routing: { '8': 0.1 } });
    expect(seen?.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('times out a read that never answers, and aborts its signal', async () => {
    // Prepare
    let seen: AbortSignal | undefined;
    const pending = withinBudget(250, (signal) => {
      seen = signal;
      return new Promise<{ never: true }>(() => {});
    });

    // Act
    await vi.advanceTimersByTimeAsync(250);
    const part = await pending;

    // Assess
    expect(part).toEqual({ status: 'error', error: 'timed out after 250 ms' });
    expect(seen?.aborted).toBe(true);
  });

  it('still waits for a read that is slow but within budget', async () => {
    // Prepare
    const pending = withinBudget(
      250,
      () => new Promise<{ late: boolean }>((resolve) => setTimeout(() => resolve({ late: true }), 200)),
    );

    // Act
    await vi.advanceTimersByTimeAsync(200);

    // Assess
    await expect(pending).resolves.toEqual({ status: 'ok', late: true });
  });

  it('turns a failed read into an error naming the exception', async () => {
    // Prepare
    const failure = Object.assign(
      new Error('Function not found: arn:aws:lambda:us-east-1:123456789012:function:trading'),
      {
        name: 'ResourceNotFoundException',
      },
    );

    // Act
    const part = await withinBudget(1000, async () => {
      throw failure;
    });

    // Assess
    expect(part).toEqual({
      status: 'error',
      error:
        'ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:123456789012:function:trading',
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('turns a read that throws before returning a promise into an error too', async () => {
    // Act
    const part = await withinBudget(1000, () => {
      throw new Error('client not configured');
    });

    // Assess
    expect(part).toEqual({ status: 'error', error: 'client not configured' });
  });
});

describe('describe (a failure, for an operator)', () => {
  it('leaves out the generic name of a plain Error', () => {
    expect(describeFailure(new Error('socket hang up'))).toBe('socket hang up');
  });

  it('describes a thrown value that is not an Error', () => {
    expect(describeFailure('throttled')).toBe('throttled');
    expect(describeFailure(42)).toBe('42');
  });

  it('masks secrets that an error message carries', () => {
    // Act
    const text = describeFailure(new Error('The security token AKIAIOSFODNN7EXAMPLE is invalid'));

    // Assess
    expect(text).toBe('The security token [REDACTED] is invalid');
  });

  it('keeps it short', () => {
    // Act
    const text = describeFailure(new Error('x'.repeat(5000)));

    // Assess
    expect(text).toHaveLength(300);
  });
});
