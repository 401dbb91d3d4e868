// The emulator's API door waits for a function as API Gateway does (local/api-door.ts): an HTTP API's
// integration timeout is 30 s at most; past it the caller is answered 503 `{"message":"Service Unavailable"}`
// while the invocation goes on, and the CLI waits for it before the emulator stops.
import { describe, expect, it, vi } from 'vitest';
import {
  apiGatewayWaitMs,
  gaveUpMessage,
  invocationsFinished,
  throughApiGateway,
} from '../../local/api-door.js';
import { API_GATEWAY_TIMEOUT_MS } from '../../shared/api-budget.js';

const resolvedAfter = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('the emulator’s API door', () => {
  it('hands the caller the function’s answer when it comes within API Gateway’s wait', async () => {
    // Act
    const through = await throughApiGateway(resolvedAfter(1, { statusCode: 200 }), 1_000);

    // Assess
    expect(through).toEqual({ answered: { statusCode: 200 } });
  });

  it('answers 503 Service Unavailable past the wait while the invocation goes on to its end', async () => {
    // Prepare
    const late = vi.fn();
    let finished = false;
    const invocation = resolvedAfter(60, { statusCode: 200 }).then((value) => {
      finished = true;
      return value;
    });

    // Act
    const through = await throughApiGateway(invocation, 5, late);
    const whenAnswered = finished;
    await invocationsFinished();

    // Assess
    expect(through).toEqual({ gaveUp: { statusCode: 503, body: { message: 'Service Unavailable' } } });
    expect(whenAnswered).toBe(false);
    expect(finished).toBe(true);
    expect(late).toHaveBeenCalledWith({ value: { statusCode: 200 } });
  });

  it('passes on a function that fails within the wait, and reports one that fails after it', async () => {
    // Prepare
    const late = vi.fn();

    // Act, Assess
    await expect(throughApiGateway(Promise.reject(new Error('boom')), 1_000)).rejects.toThrow('boom');
    await throughApiGateway(
      resolvedAfter(30, undefined).then(() => Promise.reject(new Error('late boom'))),
      5,
      late,
    );
    await invocationsFinished();
    expect(late).toHaveBeenCalledWith({ error: new Error('late boom') });
  });

  it('waits 30 s, or less when RUNBOOK_API_GATEWAY_TIMEOUT_MS asks (a rehearsal), never more', () => {
    expect(apiGatewayWaitMs({})).toBe(API_GATEWAY_TIMEOUT_MS);
    expect(API_GATEWAY_TIMEOUT_MS).toBe(30_000);
    expect(apiGatewayWaitMs({ RUNBOOK_API_GATEWAY_TIMEOUT_MS: '50' })).toBe(50);
    expect(apiGatewayWaitMs({ RUNBOOK_API_GATEWAY_TIMEOUT_MS: '90000' })).toBe(API_GATEWAY_TIMEOUT_MS);
    expect(apiGatewayWaitMs({ RUNBOOK_API_GATEWAY_TIMEOUT_MS: 'soon' })).toBe(API_GATEWAY_TIMEOUT_MS);
  });

  it('says a 503 may follow an action carried out, and names the timeline of the same stack', () => {
    // Act
    const message = gaveUpMessage({ method: 'POST', path: '/dlq/drain' }, ' --stack lambda-runbook-prod');

    // Assess
    expect(message).toMatch(/^POST \/dlq\/drain: API Gateway answered 503 Service Unavailable/);
    expect(message).toContain('the action may have been carried out');
    expect(message).toContain('`runbook timeline --since 15m --stack lambda-runbook-prod`');
  });
});
