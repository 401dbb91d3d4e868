// The emergency kill switch by direct invocation (CLI, `sam local invoke`), `POST /schedules/disable`,
// `POST /schedules/enable`, `GET /schedules/status` (AWS_IAM), or an SNS-delivered CloudWatch alarm, which may
// only disable: a machine never switches schedules back on. Each door becomes one KillSwitchRequest.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { auditLedgerFromEnv } from '../../shared/audit.js';
import { lambdaClient, schedulerClient } from '../../shared/clients.js';
import { parseSettings } from '../../shared/env.js';
import { ConfigurationError, ValidationError } from '../../shared/errors.js';
import { runbookHandler } from '../../shared/handler.js';
import { logger, metrics } from '../../shared/powertools.js';
import type { Invocation } from '../../shared/triggers/index.js';
import { type RouteTable, route } from '../../shared/triggers/router.js';
import { parseInput } from '../../shared/validate.js';
import { disable, enable, type KillSwitchConfig, type KillSwitchDeps, status } from './killswitch.js';
import { progressListener } from './progress.js';
import { killSwitchConfigSchema, killSwitchRequestSchema } from './schema.js';

export function killSwitchConfig(
  env: NodeJS.ProcessEnv = process.env,
): KillSwitchConfig & { alarms: string[] } {
  const config = parseSettings(killSwitchConfigSchema, 'kill switch', env);
  return {
    scheduleGroups: config.SCHEDULE_GROUPS,
    ...(config.WATCHED_FUNCTION ? { watchedFunction: config.WATCHED_FUNCTION } : {}),
    alarms: config.KILLSWITCH_ALARMS,
    ratePerSecond: config.KILLSWITCH_RATE_PER_SECOND,
    concurrency: config.KILLSWITCH_CONCURRENCY,
  };
}

function deps(context: Context): KillSwitchDeps {
  const onProgress = progressListener();
  return {
    scheduler: schedulerClient(),
    lambda: lambdaClient(),
    ledger: auditLedgerFromEnv(),
    logger,
    now: () => new Date(),
    config: killSwitchConfig(),
    remainingMs: () => context.getRemainingTimeInMillis(),
    ...(onProgress ? { onProgress } : {}),
  };
}

async function run(invocation: Invocation, context: Context, payload: unknown) {
  const request = parseInput(killSwitchRequestSchema, payload);
  const origin = { door: invocation.door, actor: invocation.actor, correlationId: invocation.correlationId };
  if (request.action === 'status') return status(deps(context), request);
  const started = performance.now();
  const result = await (request.action === 'disable' ? disable : enable)(deps(context), request, origin);
  if (!result.dryRun) {
    const name = request.action === 'disable' ? 'SchedulesDisabled' : 'SchedulesEnabled';
    metrics.addMetric(name, MetricUnit.Count, result.counts[`${request.action}d`] ?? 0);
    metrics.addMetric('ScheduleFailures', MetricUnit.Count, result.counts.failed ?? 0);
    metrics.addMetric('ScheduleConflicts', MetricUnit.Count, result.counts.conflict ?? 0);
    if (result.throttle?.outcome === 'throttled') metrics.addMetric('FunctionThrottled', MetricUnit.Count, 1);
  }
  metrics.addMetric('KillSwitchLatencyMs', MetricUnit.Milliseconds, Math.round(performance.now() - started));
  return result;
}

/** A request body for one API route: the route says the action; a body that says another is refused. */
function withAction(action: 'disable' | 'enable', body: unknown): Record<string, unknown> {
  if (body === undefined) return { action };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('request body must be a JSON object', 'body');
  }
  const fields = body as Record<string, unknown>;
  if (fields.action !== undefined && fields.action !== action) {
    throw new ValidationError(
      `action: this route ${action}s; the body says ${String(fields.action)}`,
      'action',
    );
  }
  return { ...fields, action };
}

/** GET /schedules/status?group=…&namePrefix=…&restoreId=…&schedule=group/name, or ?auditId=…&page=N */
function statusQuery(query: Record<string, string> = {}): Record<string, unknown> {
  const { schedule, all, page, ...rest } = query;
  return {
    ...rest,
    ...(page !== undefined ? { page: /^\d+$/.test(page) ? Number(page) : page } : {}),
    ...(all !== undefined ? { all: all === 'true' } : {}),
    ...(schedule
      ? {
          schedules: schedule.split(',').map((item) => {
            const [group, name] = item.includes('/') ? item.split('/', 2) : [undefined, item];
            return { name, ...(group ? { group } : {}) };
          }),
        }
      : {}),
    action: 'status',
  };
}

/**
 * Only ALARM acts, and only for alarms listed in KILLSWITCH_ALARMS: it disables every schedule of the
 * configured groups (never throttles, never enables). A redelivered alarm resumes the same kill switch.
 */
async function alarm(invocation: Invocation, context: Context) {
  const notification = invocation.alarm;
  if (!notification) throw new ConfigurationError('alarm door without an alarm notification');
  const name = notification.AlarmName;
  const config = killSwitchConfig();
  if (notification.NewStateValue !== 'ALARM') {
    logger.info(`alarm ${name} is ${notification.NewStateValue}: acknowledged; a machine never re-enables`);
    return { acknowledged: true, acted: false, alarm: name, state: notification.NewStateValue };
  }
  if (!config.alarms.includes(name)) {
    logger.info(`alarm ${name} is not a kill-switch trigger (KILLSWITCH_ALARMS): no action`);
    return { acknowledged: true, acted: false, alarm: name, state: notification.NewStateValue };
  }
  if (config.scheduleGroups.length === 0) {
    throw new ConfigurationError('an alarm-triggered kill switch needs SCHEDULE_GROUPS');
  }
  const reason = `${name}: ${notification.NewStateReason}`.slice(0, 500);
  const payload = { action: 'disable', all: true, reason };
  return { acknowledged: true, acted: true, ...(await run(invocation, context, payload)) };
}

const routes: RouteTable<object> = {
  api: {
    'POST /schedules/disable': (invocation, context) =>
      run(invocation, context, withAction('disable', invocation.payload)),
    'POST /schedules/enable': (invocation, context) =>
      run(invocation, context, withAction('enable', invocation.payload)),
    'GET /schedules/status': (invocation, context) => run(invocation, context, statusQuery(invocation.query)),
  },
  direct: (invocation, context) => run(invocation, context, invocation.payload ?? {}),
  alarm,
};

export const handler = runbookHandler((invocation, context) =>
  route(invocation, routes)(invocation, context),
);
