// Logger, metrics and tracer: one of each per container, configured from the environment
// (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL) set in template.yaml Globals.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { redactReplacer } from './redact.js';

export const NAMESPACE = 'LambdaRunbook';

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lambda-runbook',
  jsonReplacerFn: redactReplacer,
});

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lambda-runbook',
});

export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lambda-runbook' });
