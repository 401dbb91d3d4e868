// What an API call may use (shared/api-budget.ts): a function's timeout may be minutes (a fleet run 900 s), but
// API Gateway answers within 30 s, so every action reached through the API door — and only those — reads the
// smaller of the invocation's time left and what is left of the call's 28 s. runbookHandler applies it once.
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { API_CALL_MS, apiBounded, apiRemainingMs, inApiCall } from '../../shared/api-budget.js';
import { runbookHandler } from '../../shared/handler.js';
import type { Invocation } from '../../shared/triggers/index.js';
import { lambdaContext } from './support/context.js';
import { httpApiEvent, restApiEvent, sampleEvent, snsEvent } from './support/events.js';

// Logger and metrics read their settings when shared/powertools.ts loads: quiet them before it does.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

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
    expect(inApiCall(bounded)).toBe(true);
    expect(inApiCall(invocation(899_000))).toBe(false);
  });

  it('is bounded once: a context already bounded keeps the call’s start', () => {
    // Prepare
    const bounded = apiBounded(invocation(899_000), Date.now() - 20_000);

    // Act
    const again = apiBounded(bounded);

    // Assess
    expect(again).toBe(bounded);
    expect(again.getRemainingTimeInMillis()).toBeLessThanOrEqual(8_000);
  });
});

describe('runbookHandler gives the API call’s time to actions reached through the API door only', () => {
  const seen: { remaining: number; apiCall: boolean; door: string }[] = [];
  const handler = runbookHandler(async (invocation: Invocation, context: Context) => {
    seen.push({
      remaining: context.getRemainingTimeInMillis(),
      apiCall: inApiCall(context),
      door: invocation.door,
    });
    return {};
  });
  // A fleet function's timeout: 900 s.
  const context = () => lambdaContext({ timeoutMs: 900_000 });
  const last = () => seen[seen.length - 1] as (typeof seen)[number];

  it.each([
    ['an HTTP API (v2) event', () => httpApiEvent({ method: 'POST', path: '/fleet/disable', body: '{}' })],
    [
      'a REST API (v1) event',
      () => restApiEvent({ method: 'POST', resource: '/fleet/disable', path: '/fleet/disable', body: '{}' }),
    ],
  ])('bounds %s to 28 s', async (_name, event) => {
    // Act
    await handler(event(), context());

    // Assess
    expect(last()).toMatchObject({ door: 'api', apiCall: true });
    expect(last().remaining).toBeLessThanOrEqual(API_CALL_MS);
    expect(last().remaining).toBeGreaterThan(API_CALL_MS - 1_000);
  });

  it.each([
    ['a direct invocation', 'direct', () => ({ action: 'status' })],
    ['an alarm', 'alarm', () => snsEvent()],
    ['an SQS message', 'queue', () => sampleEvent('sqs/approved-run-malformed.json')],
  ])('leaves %s the invocation’s whole time', async (_name, door, event) => {
    // Act
    await handler(event(), context());

    // Assess
    expect(last()).toMatchObject({ door, apiCall: false });
    expect(last().remaining).toBeGreaterThan(API_CALL_MS + 800_000);
  });

  it('keeps the invocation’s own time in an API call when that is less (a 10 s function)', async () => {
    // Act
    await handler(httpApiEvent({ method: 'GET', path: '/health' }), lambdaContext({ timeoutMs: 10_000 }));

    // Assess
    expect(last().remaining).toBeLessThanOrEqual(10_000);
  });
});
