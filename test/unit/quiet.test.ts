import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isVerbose, quietHandlers } from '../../local/quiet.js';

describe('quietHandlers', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    vi.restoreAllMocks();
  });

  it('leaves a handler’s logger and metrics printing nothing: no JSON line, no EMF, no notice', () => {
    // Prepare: what Powertools writes, on the process streams or the console.
    const printed: string[] = [];
    const keep = (chunk: unknown) => {
      printed.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(keep);
    vi.spyOn(process.stderr, 'write').mockImplementation(keep);
    for (const method of ['log', 'info', 'warn', 'error'] as const)
      vi.spyOn(console, method).mockImplementation(keep);
    delete process.env.POWERTOOLS_DEV;
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';

    // Act
    quietHandlers();
    const logger = new Logger({ serviceName: 'quiet-test' });
    const metrics = new Metrics({ namespace: 'Quiet', serviceName: 'quiet-test' });
    logger.info('an info line');
    logger.error('an expected failure', new Error('with a stack'));
    metrics.addMetric('Refused', 'Count', 1);
    metrics.publishStoredMetrics();

    // Assess
    expect(printed).toEqual([]);
  });

  it('keeps WARN and above when asked for that level, and changes nothing when verbose', () => {
    const env: NodeJS.ProcessEnv = { POWERTOOLS_LOG_LEVEL: 'INFO' };

    quietHandlers({ level: 'WARN' }, env);
    expect(env).toEqual({ POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true' });

    const untouched: NodeJS.ProcessEnv = { POWERTOOLS_LOG_LEVEL: 'INFO' };
    quietHandlers({ verbose: true }, untouched);
    expect(untouched).toEqual({ POWERTOOLS_LOG_LEVEL: 'INFO' });
  });

  it('is verbose with --verbose or RUNBOOK_VERBOSE=1 only', () => {
    expect(isVerbose(['--verbose'], {})).toBe(true);
    expect(isVerbose([], { RUNBOOK_VERBOSE: '1' })).toBe(true);
    expect(isVerbose(['--json'], { RUNBOOK_VERBOSE: '0' })).toBe(false);
  });
});

describe('shared metrics', () => {
  it('report an invocation that published nothing at DEBUG, not as a warning on the console', async () => {
    // Prepare
    const { logger, metrics } = await import('../../shared/powertools.js');
    const debug = vi.spyOn(logger, 'debug').mockImplementation(() => undefined);
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const consoleWarn = vi.spyOn(console, 'warn');

    // Act
    metrics.publishStoredMetrics();

    // Assess
    expect(debug).toHaveBeenCalledWith(expect.stringContaining('No application metrics to publish'));
    expect(warn).not.toHaveBeenCalled();
    expect(consoleWarn).not.toHaveBeenCalled();
  });
});
