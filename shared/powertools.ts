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

// Metrics writes its notices on its own console, past any log level. One of them comes on every invocation
// that publishes nothing (a health check, a refused request): expected here, so it goes to DEBUG; any other
// notice (a bad dimension or metric) stays a WARN, both through the logger and its level.
const EMPTY_METRICS_NOTICE = 'No application metrics to publish';
const metricsNotices = {
  debug: logger.debug.bind(logger),
  info: logger.info.bind(logger),
  error: logger.error.bind(logger),
  // Metrics passes each notice as one string.
  warn: (notice: string) =>
    notice.startsWith(EMPTY_METRICS_NOTICE) ? logger.debug(notice) : logger.warn(notice),
};

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lambda-runbook',
  logger: metricsNotices,
});

export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lambda-runbook' });
