// What an API call of ApprovalsFunction may use (functions/approvals/budget.ts): its function's timeout is a
// fleet run's (900 s), but API Gateway answers within 30 s, so everything carried out inside a call reads the
// smaller of the invocation's time left and what is left of the call's 28 s.
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { API_CALL_MS, apiBounded, apiRemainingMs } from '../../functions/approvals/budget.js';

const invocation = (remaining: number) =>
  ({ functionName: 'approvals', getRemainingTimeInMillis: () => remaining }) as unknown as Context;

describe('the time of an API call', () => {
  it('is what is left of 28 s since the call began, however long the function may run', () => {
    // Prepare
    const started = 1_000_000;

    // Act, Assess
    expect(apiRemainingMs(invocation(899_000), started, started)).toBe(API_CALL_MS);
    expect(apiRemainingMs(invocation(899_000), started, started + 20_000)).toBe(8_000);
    expect(apiRemainingMs(invocation(899_000), started, started + 40_000)).toBe(0);
  });

  it('is the invocation’s own when that is less', () => {
    expect(apiRemainingMs(invocation(3_000), 1_000, 1_000)).toBe(3_000);
  });

  it('is what every executor of the call reads from its context; the other fields are the invocation’s', () => {
    // Act
    const bounded = apiBounded(invocation(899_000));

    // Assess
    expect(bounded.getRemainingTimeInMillis()).toBeLessThanOrEqual(API_CALL_MS);
    expect(bounded.getRemainingTimeInMillis()).toBeGreaterThan(API_CALL_MS - 1_000);
    expect(bounded.functionName).toBe('approvals');
  });
});
