// The post-traffic (AfterAllowTraffic) hook: once all traffic is on the new version, check that none of the
// workload's alarms is in ALARM, and report. Same fail-closed rules as the pre-traffic hook: no alarm
// configured, a configured alarm that does not exist, or a DescribeAlarms that fails all report Failed.
//
// With the canary gate on (CANARY_GATE=on), it is also the canary analyst's last look: the new version against
// the one it replaced over the whole deployment (shared/canary/). A `fail` reports Failed; `not enough data`
// follows CANARY_NOT_ENOUGH_DATA (fail by default); and an alarm already in ALARM does not block a version
// that is measurably better than the old one (fewer errors beyond chance, not slower): that alarm fired for
// the old version, and this deployment is its fix.

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { ActionDeps, Metric, Receipt } from '../../shared/action.js';
import type { AuditEntry } from '../../shared/audit.js';
import { withinBudget } from '../../shared/budget.js';
import type { AnalystConfig } from '../../shared/canary/config.js';
import { readCanaryDeployment } from '../../shared/canary/deployment.js';
import { type Judgement, judgeCanary } from '../../shared/canary/judge.js';
import {
  type HookEvent,
  type HookStatus,
  parseHookEvent,
  type ReportDeps,
  runHook,
  type Verdict,
  verdictOf,
} from '../../shared/lifecycle-hook.js';
import type { Log } from '../../shared/log.js';
import type { Clock } from '../../shared/rate.js';

type Logger = Log;

export interface PostTrafficDeps extends ReportDeps, ActionDeps {
  cloudwatch: CloudWatchClient;
  logger: Logger;
  clock?: Clock;
  /** Wall-clock time, for the canary window (default: now). */
  now?: () => Date;
  correlationId: string;
  config: { alarmNames: string[]; alarmPrefix?: string; problem?: string; canary?: AnalystConfig };
}

export interface AlarmState {
  name: string;
  state: string;
}

export interface PostTrafficResult {
  deploymentId: string;
  status: HookStatus;
  reported: true;
  alarms: AlarmState[];
  reason?: string;
  auditId?: string;
  /** The canary analyst's last look, with the canary gate on. */
  canary?: Judgement;
}

/** What the checks found: the status to report and why, the alarms read, the canary's last look. */
interface AlarmVerdict extends Verdict {
  correlationId: string;
  alarms: AlarmState[];
  reason?: string;
  canary?: Judgement;
}

async function describeAlarms(deps: PostTrafficDeps, signal: AbortSignal): Promise<MetricAlarm[]> {
  const { alarmNames, alarmPrefix } = deps.config;
  const alarms: MetricAlarm[] = [];
  // DescribeAlarms takes at most 100 names per call, and a prefix or names, not both.
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
  const queries = [
    ...Array.from({ length: Math.ceil(alarmNames.length / 100) }, (_, i) => ({
      AlarmNames: alarmNames.slice(i * 100, i * 100 + 100),
    })),
    ...(alarmPrefix ? [{ AlarmNamePrefix: alarmPrefix }] : []),
  ];
  for (const query of queries) {
    let NextToken: string | undefined;
    do {
      const page = await deps.cloudwatch.send(
        new DescribeAlarmsCommand({ ...query, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], NextToken }),
        { abortSignal: signal },
      );
      alarms.push(...(page.MetricAlarms ?? []), ...((page.CompositeAlarms ?? []) as MetricAlarm[]));
      NextToken = page.NextToken;
    } while (NextToken);
  }
  return alarms;
}

async function lastLook(deps: PostTrafficDeps, deploymentId: string, signal: AbortSignal) {
  const config = deps.config.canary;
  if (!config) return {};
  const deployment = await readCanaryDeployment(deps.codedeploy, deploymentId, signal);
  if (deployment.canaryMs === undefined) {
    // AllAtOnce (or a custom configuration): the two versions never served side by side, so there is nothing
    // to compare — not a canary short of data. The alarms alone decide, as without the gate.
    deps.logger.info(`no canary in ${deployment.configName || 'this deployment'}: the alarms alone decide`);
    return {};
  }
  const now = (deps.now ?? (() => new Date()))();
  return {
    judgement: await judgeCanary({ cloudwatch: deps.cloudwatch, config }, deployment, now, true, signal),
  };
}

/** The canary's word on the alarms' answer: it can fail a deployment, or let a better version through. */
function withCanary(
  judgement: Judgement | undefined,
  alarms: { status: HookStatus; reason?: string; firing: AlarmState[]; problem: boolean },
): { status: HookStatus; reason?: string } {
  if (!judgement) return alarms;
  const { verdict, decision, canaryVersion, baselineVersion } = judgement;
  if (decision === 'stop') return { status: 'Failed', reason: `canary ${verdict.reason}` };
  if (alarms.status === 'Succeeded' || alarms.problem || alarms.firing.length === 0) return alarms;
  if (!verdict.better) return alarms;
  return {
    status: 'Succeeded',
    reason: `${alarms.reason}; passed anyway: version ${canaryVersion} is measurably better than ${baselineVersion} (${verdict.reason})`,
  };
}

/** The alarms' answer: Succeeded only when every configured alarm exists and none is in ALARM. */
function judgeAlarms(
  config: PostTrafficDeps['config'],
  alarms: AlarmState[],
): { status: HookStatus; reason?: string; firing: AlarmState[]; problem: boolean } {
  const missing = config.alarmNames.filter((name) => !alarms.some((alarm) => alarm.name === name));
  const firing = alarms.filter((alarm) => alarm.state === 'ALARM');
  const problem = missing.length > 0 || alarms.length === 0;
  const failed = (reason: string) => ({ status: 'Failed' as const, reason, firing, problem });
  if (missing.length > 0) return failed(`configured alarm(s) not found: ${missing.join(', ')}`);
  if (alarms.length === 0) return failed(`no alarm starts with ${config.alarmPrefix}`);
  if (firing.length > 0) return failed(`in ALARM: ${firing.map((alarm) => alarm.name).join(', ')}`);
  return { status: 'Succeeded', firing, problem };
}

/** The findings, never thrown: whatever cannot be read or is not configured is a `Failed` with its reason. */
async function findings(
  deps: PostTrafficDeps,
  event: HookEvent,
): Promise<{ status: HookStatus; reason?: string; alarms: AlarmState[]; canary?: Judgement }> {
  const { alarmNames, alarmPrefix, problem } = deps.config;
  const failed = (reason: string) => ({ status: 'Failed' as const, reason, alarms: [] });
  if (problem) return failed(problem);
  if (alarmNames.length === 0 && !alarmPrefix) {
    return failed(
      'no alarm configured (ALARM_NAMES, ALARM_PREFIX): nothing shows the new version is healthy',
    );
  }
  if (deps.budget.checksMs() <= 0) {
    return failed(
      `no time left to read the alarms: ${deps.budget.remainingMs()} ms remain, kept for reporting`,
    );
  }
  const read = await withinBudget(deps.budget.checksMs(), async (signal) => ({
    alarms: await describeAlarms(deps, signal),
    ...(await lastLook(deps, event.DeploymentId, signal)),
  }));
  if (read.status === 'error') {
    return failed(`could not read the alarms${deps.config.canary ? ' or the canary' : ''}: ${read.error}`);
  }
  const canary = read.judgement;
  const alarms = read.alarms.map((alarm) => ({
    name: String(alarm.AlarmName),
    state: String(alarm.StateValue),
  }));
  return { ...withCanary(canary, judgeAlarms(deps.config, alarms)), alarms, ...(canary ? { canary } : {}) };
}

async function check(deps: PostTrafficDeps, event: HookEvent): Promise<AlarmVerdict> {
  const { status, reason, alarms, canary } = await findings(deps, event);
  if (status === 'Failed') deps.logger.warn(`post-traffic check Failed: ${reason}`, { alarms });
  else deps.logger.info('post-traffic check: no alarm in ALARM', { alarms });
  return {
    ...verdictOf(event, status),
    correlationId: deps.correlationId,
    alarms,
    ...(reason ? { reason } : {}),
    ...(canary ? { canary } : {}),
  };
}

function entry(verdict: AlarmVerdict, reported: boolean): AuditEntry {
  const { event, status, alarms, reason, canary } = verdict;
  return {
    action: 'deploy.post-traffic',
    actor: `codedeploy:${event.DeploymentId}`,
    reason: `post-traffic alarm check of deployment ${event.DeploymentId}`,
    target: `deployment:${event.DeploymentId}`,
    request: event,
    before: null,
    after: { status, reported },
    dryRun: false,
    outcome: status === 'Succeeded' && reported ? 'succeeded' : 'failed',
    correlationId: verdict.correlationId,
    details: { alarms, ...(reason ? { reason } : {}), ...(canary ? { canary } : {}) },
  };
}

function result(verdict: AlarmVerdict, receipt: Receipt): PostTrafficResult {
  return {
    deploymentId: verdict.event.DeploymentId,
    status: verdict.status,
    reported: true,
    alarms: verdict.alarms,
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    // The status is what CodeDeploy needs; a record that could not be written leaves no id to point at.
    ...(receipt.unrecorded ? {} : { auditId: verdict.auditId }),
    ...(verdict.canary ? { canary: verdict.canary } : {}),
  };
}

const metrics = (verdict: AlarmVerdict): Metric[] => [
  { name: 'PostTrafficFailures', unit: MetricUnit.Count, value: verdict.status === 'Failed' ? 1 : 0 },
];

/** Reads the workload's alarms (and, with the gate on, the canary), reports the status, then records it. */
export async function postTraffic(deps: PostTrafficDeps, rawEvent: unknown): Promise<PostTrafficResult> {
  // Nothing to report to without a deployment and an execution id: this throws, and nothing is read.
  const event = parseHookEvent(rawEvent);
  return runHook({ check, entry, result, metrics }, deps, event);
}
