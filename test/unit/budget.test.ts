import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withinBudget } from '../../shared/budget.js';

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
