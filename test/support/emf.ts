// What a function's Powertools Metrics writes, as CloudWatch reads it: the EMF documents, each parsed, and the
// sums per metric name. A Metrics built here is configured as shared/powertools.ts builds the functions' one.
import { Metrics } from '@aws-lambda-powertools/metrics';
import { vi } from 'vitest';
import { NAMESPACE } from '../../shared/powertools.js';

export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [field: string]: unknown;
}

/**
 * A Metrics as the functions have it (namespace, service), whose EMF documents are kept instead of printed.
 * `documents()` flushes what is still buffered, as the handler's logMetrics does at the invocation's end, and
 * stops capturing: one capture at a time (they share the console).
 */
export function capturedMetrics() {
  const saved = { dev: process.env.POWERTOOLS_DEV, disabled: process.env.POWERTOOLS_METRICS_DISABLED };
  // Dev mode writes through the global console (which is spied on here) instead of one on the process's stdout.
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const metrics = new Metrics({ namespace: NAMESPACE, serviceName: 'lambda-runbook' });
  for (const [key, value] of [
    ['POWERTOOLS_DEV', saved.dev],
    ['POWERTOOLS_METRICS_DISABLED', saved.disabled],
  ] as const)
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  const lines: string[] = [];
  const log = console.log;
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    const [first] = args;
    if (typeof first === 'string' && first.includes('"_aws"')) lines.push(first);
    else log(...args);
  });
  let flushed: EmfDocument[] | undefined;
  const documents = (): EmfDocument[] => {
    if (!flushed) {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      spy.mockRestore();
      flushed = lines.map((line) => JSON.parse(line) as EmfDocument);
    }
    return flushed;
  };
  return {
    metrics,
    documents,
    /** Every value of a metric across the documents, summed: what CloudWatch's Sum statistic reads. */
    sum: (name: string, docs = documents()) =>
      docs.reduce((total, doc) => {
        const value = doc[name];
        const values = Array.isArray(value)
          ? (value as number[])
          : value === undefined
            ? []
            : [value as number];
        return total + values.reduce((a, b) => a + b, 0);
      }, 0),
  };
}
