import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/workload/handler.js';
import pkg from '../../package.json' with { type: 'json' };
import { isHealthProbe } from '../../shared/middleware/health-probe.js';
import { logger } from '../../shared/powertools.js';
import { lambdaContext } from './support/context.js';
import { setEnv } from './support/env.js';
import { sampleEvent } from './support/events.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const context = lambdaContext({
  functionName: 'lambda-runbook-WorkloadFunction-Q1w2E3r4',
  functionVersion: '8',
  qualifier: '8',
});

describe('healthProbe (through the sample workload)', () => {
  let restoreEnv: () => void;

  beforeEach(() => {
    restoreEnv = setEnv({
      POWERTOOLS_SERVICE_NAME: 'lambda-runbook',
      GIT_SHA: SHA,
      BUILD_ID: 'ci-1234',
      DEPLOYED_AT: '2026-11-22T03:00:00Z',
      RUNBOOK_ENV: 'prod',
    });
  });

  afterEach(() => {
    restoreEnv();
    vi.restoreAllMocks();
  });

  it('answers { runbook: "health" } with the build metadata and the version that answered', async () => {
    // Prepare
    const event = sampleEvent('direct/workload-probe.json');

    // Act
    const answer = await handler(event, context);

    // Assess
    expect(answer).toEqual({
      runbook: 'health',
      service: 'lambda-runbook',
      version: pkg.version,
      gitSha: SHA,
      buildId: 'ci-1234',
      builtAt: 'unknown',
      deployedAt: '2026-11-22T03:00:00Z',
      environment: 'prod',
      functionName: 'lambda-runbook-WorkloadFunction-Q1w2E3r4',
      functionVersion: '8',
    });
  });

  it('never runs the workload for a probe', async () => {
    // Prepare: an event that would make the workload throw, were it to run.
    const event = { runbook: 'health', fail: true };

    // Act
    const answer = await handler(event, context);

    // Assess
    expect(answer).toMatchObject({ runbook: 'health', gitSha: SHA });
  });

  it('lets every other event reach the workload', async () => {
    // Prepare
    const event = sampleEvent('direct/workload-run.json');

    // Act
    const answer = await handler(event, context);

    // Assess
    expect(answer).toEqual({ ok: true, job: 'daily-trading', placedOrders: 0 });
  });

  it('lets a workload failure through untouched', async () => {
    await expect(handler({ fail: true }, context)).rejects.toThrow(
      'trading run failed (requested by the event)',
    );
  });

  it('leaves an event that only mentions another runbook to the workload', async () => {
    await expect(handler({ runbook: 'rollback', job: 'weekly' }, context)).resolves.toEqual({
      ok: true,
      job: 'weekly',
      placedOrders: 0,
    });
  });

  it("cleans up the other Powertools middlewares' state before answering early, as a normal run does", async () => {
    // Prepare: injectLambdaContext(logger, { clearState: true }) resets the logger's keys in its `after`,
    // which middy skips when a `before` answers early; Powertools' cleanupMiddlewares runs it instead.
    const resetKeys = vi.spyOn(logger, 'resetKeys');
    await handler(sampleEvent('direct/workload-run.json'), context);
    const afterRun = resetKeys.mock.calls.length;
    resetKeys.mockClear();

    // Act
    await handler(sampleEvent('direct/workload-probe.json'), context);

    // Assess
    expect(afterRun).toBe(1);
    expect(resetKeys).toHaveBeenCalledTimes(1);
  });
});

describe('isHealthProbe', () => {
  it.each([
    { event: { runbook: 'health' }, probe: true },
    { event: { runbook: 'health', actor: 'hook' }, probe: true },
    { event: { runbook: 'Health' }, probe: false },
    { event: { runbook: 'rollback' }, probe: false },
    { event: {}, probe: false },
    { event: 'health', probe: false },
    { event: null, probe: false },
    { event: undefined, probe: false },
  ])('says $probe for $event', ({ event, probe }) => {
    expect(isHealthProbe(event)).toBe(probe);
  });
});
