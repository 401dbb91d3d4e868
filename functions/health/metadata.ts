// GET /health/metadata: what is deployed (build metadata, this function's version) and the live state of the
// watched workload (alias and canary weights, schedules, alarms), each live read within a time budget.
import {
  type AlarmType,
  type CloudWatchClient,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import { GetAliasCommand, GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { GetScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Context } from 'aws-lambda';
import { type Part, withinBudget } from '../../shared/budget.js';
import { type BuildInfo, buildInfo } from '../../shared/build-info.js';
import { parseSettings } from '../../shared/env.js';
import { ConfigurationError } from '../../shared/errors.js';
import { healthConfigSchema } from './schema.js';

export interface HealthDeps {
  lambda: LambdaClient;
  scheduler: SchedulerClient;
  cloudwatch: CloudWatchClient;
}

export interface HealthConfig {
  functionName?: string;
  alias: string;
  schedules: { group: string; name: string }[];
  alarmPrefix?: string;
  budgetMs: number;
}

export function healthConfig(env: NodeJS.ProcessEnv = process.env): HealthConfig {
  const config = parseSettings(healthConfigSchema, 'health', env);
  return {
    ...(config.WATCHED_FUNCTION ? { functionName: config.WATCHED_FUNCTION } : {}),
    alias: config.WATCHED_ALIAS,
    schedules: config.WATCHED_SCHEDULES.map((ref) => {
      if (ref.includes('/')) {
        const [group, name] = ref.split('/') as [string, string];
        return { group, name };
      }
      // A bare name lives in WATCHED_SCHEDULE_GROUP, as template.yaml passes an existing workload's schedules;
      // without one, guessing a group would report on the wrong schedule.
      if (!config.WATCHED_SCHEDULE_GROUP) {
        throw new ConfigurationError(
          `health configuration: WATCHED_SCHEDULES: "${ref}" has no group and WATCHED_SCHEDULE_GROUP is not set`,
        );
      }
      return { group: config.WATCHED_SCHEDULE_GROUP, name: ref };
    }),
    ...(config.WATCHED_ALARM_PREFIX ? { alarmPrefix: config.WATCHED_ALARM_PREFIX } : {}),
    budgetMs: config.HEALTH_BUDGET_MS,
  };
}

export interface TargetState {
  functionName: string;
  alias: string;
  version: string;
  /** Weights of versions other than `version` while a canary is in progress, e.g. `{ "8": 0.1 }`. */
  routing: Record<string, number>;
  /** The git sha recorded in the served version's description (`gitSha=… buildId=…`), if any. */
  gitSha?: string;
}

export interface ScheduleState {
  group: string;
  name: string;
  status: 'ok' | 'error';
  state?: string;
  expression?: string;
  timezone?: string;
  error?: string;
}

export interface AlarmState {
  name: string;
  state: string;
  updatedAt?: string;
}

export interface HealthMetadata extends BuildInfo {
  status: 'ok' | 'degraded';
  region: string;
  self: { functionName: string; version: string; alias?: string };
  target: Part<TargetState> | { status: 'unconfigured' };
  schedules: Part<{ items: ScheduleState[] }>;
  alarms:
    | Part<{ prefix: string; counts: Record<string, number>; items: AlarmState[] }>
    | { status: 'unconfigured' };
  checkedAt: string;
  durationMs: number;
}

/** The alias this function was invoked through, from its ARN's qualifier; a version number or $LATEST is not one. */
export function invokedAlias(invokedFunctionArn: string): string | undefined {
  const qualifier = invokedFunctionArn.split(':')[7];
  return qualifier && !/^(\d+|\$LATEST)$/.test(qualifier) ? qualifier : undefined;
}

export function gitShaOf(description: string | undefined): string | undefined {
  return description?.match(/\bgitSha=([0-9a-f]{7,40}|unknown)\b/)?.[1];
}

async function readTarget(deps: HealthDeps, functionName: string, alias: string, signal: AbortSignal) {
  const current = await deps.lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: alias }), {
    abortSignal: signal,
  });
  const version = current.FunctionVersion ?? 'unknown';
  const config = await deps.lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version }),
    { abortSignal: signal },
  );
  const gitSha = gitShaOf(config.Description);
  const state: TargetState = {
    functionName,
    alias,
    version,
    routing: { ...(current.RoutingConfig?.AdditionalVersionWeights ?? {}) },
    ...(gitSha ? { gitSha } : {}),
  };
  return state;
}

async function readSchedules(deps: HealthDeps, schedules: HealthConfig['schedules'], budgetMs: number) {
  // Each schedule has its own budget, so one hung read costs that schedule's state, not every schedule's.
  // Only names and states leave this function: a schedule's Input may carry anything, secrets included.
  const items = await Promise.all(
    schedules.map(async ({ group, name }): Promise<ScheduleState> => {
      const read = await withinBudget(budgetMs, async (signal) => {
        const schedule = await deps.scheduler.send(new GetScheduleCommand({ GroupName: group, Name: name }), {
          abortSignal: signal,
        });
        return {
          ...(schedule.State ? { state: schedule.State } : {}),
          ...(schedule.ScheduleExpression ? { expression: schedule.ScheduleExpression } : {}),
          ...(schedule.ScheduleExpressionTimezone ? { timezone: schedule.ScheduleExpressionTimezone } : {}),
        };
      });
      return { group, name, ...read };
    }),
  );
  return { items };
}

async function readAlarms(deps: HealthDeps, prefix: string, signal: AbortSignal) {
  const items: AlarmState[] = [];
  let nextToken: string | undefined;
  do {
    const page: DescribeAlarmsCommandOutput = await deps.cloudwatch.send(
      new DescribeAlarmsCommand({
        AlarmNamePrefix: prefix,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] satisfies AlarmType[],
        NextToken: nextToken,
      }),
      { abortSignal: signal },
    );
    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      items.push({
        name: alarm.AlarmName ?? 'unknown',
        state: alarm.StateValue ?? 'unknown',
        ...(alarm.StateUpdatedTimestamp ? { updatedAt: alarm.StateUpdatedTimestamp.toISOString() } : {}),
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  const counts: Record<string, number> = { ALARM: 0, OK: 0, INSUFFICIENT_DATA: 0 };
  for (const item of items) counts[item.state] = (counts[item.state] ?? 0) + 1;
  return { prefix, counts, items };
}

export async function readMetadata(
  deps: HealthDeps,
  config: HealthConfig,
  context: Pick<Context, 'functionName' | 'functionVersion' | 'invokedFunctionArn'>,
  env: NodeJS.ProcessEnv = process.env,
  now: () => number = Date.now,
): Promise<HealthMetadata> {
  const started = now();
  const { functionName, alarmPrefix } = config;
  // The three reads run side by side, each within the same budget, so the answer comes in one budget's time.
  const [target, schedules, alarms] = await Promise.all([
    functionName
      ? withinBudget(config.budgetMs, (signal) => readTarget(deps, functionName, config.alias, signal))
      : Promise.resolve({ status: 'unconfigured' as const }),
    withinBudget(config.budgetMs + 100, () => readSchedules(deps, config.schedules, config.budgetMs)),
    alarmPrefix
      ? withinBudget(config.budgetMs, (signal) => readAlarms(deps, alarmPrefix, signal))
      : Promise.resolve({ status: 'unconfigured' as const }),
  ]);
  const scheduleErrors = schedules.status === 'ok' && schedules.items.some((item) => item.status === 'error');
  const degraded = [target, schedules, alarms].some((part) => part.status === 'error') || scheduleErrors;
  const alias = invokedAlias(context.invokedFunctionArn);
  return {
    status: degraded ? 'degraded' : 'ok',
    ...buildInfo(env),
    region: env.AWS_REGION ?? 'unknown',
    self: {
      functionName: context.functionName,
      version: context.functionVersion,
      ...(alias ? { alias } : {}),
    },
    target,
    schedules,
    alarms,
    checkedAt: new Date(started).toISOString(),
    durationMs: now() - started,
  };
}
