// The post-traffic (AfterAllowTraffic) hook: once all traffic is on the new version, check that none of the
// workload's alarms is in ALARM, and report. Same fail-closed rules as the pre-traffic hook: no alarm
// configured, a configured alarm that does not exist, or a DescribeAlarms that fails all report Failed.
//
// With the canary gate on (CANARY_GATE=on), it is also the canary analyst's last look: the new version against
// the one it replaced over the whole deployment (shared/canary/). A `fail` reports Failed; `not enough data`
// follows CANARY_NOT_ENOUGH_DATA (fail by default); and an alarm already in ALARM does not block a version
// that is measurably better than the old one (fewer errors beyond chance, not slower): that alarm fired for
// the old version, and this deployment is its fix.
import { type CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { AuditLedger } from '../../shared/audit.js';
import { describe, withinBudget } from '../../shared/budget.js';
import type { AnalystConfig } from '../../shared/canary/config.js';
import { readCanaryDeployment } from '../../shared/canary/deployment.js';
import { type Judgement, judgeCanary } from '../../shared/canary/judge.js';
import {
  type HookStatus,
  parseHookEvent,
  reportStatus,
  type TimeBudget,
} from '../../shared/lifecycle-hook.js';
import type { Log } from '../../shared/log.js';
import type { Clock } from '../../shared/rate.js';

type Logger = Log;

export interface PostTrafficDeps {
  cloudwatch: CloudWatchClient;
  codedeploy: Parameters<typeof reportStatus>[0]['codedeploy'];
  ledger: Pick<AuditLedger, 'record'>;
  logger: Logger;
  budget: TimeBudget;
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

export async function postTraffic(deps: PostTrafficDeps, rawEvent: unknown): Promise<PostTrafficResult> {
  const event = parseHookEvent(rawEvent);
  let status: HookStatus = 'Failed';
  let reason: string | undefined;
  let alarms: AlarmState[] = [];
  let canary: Judgement | undefined;
  const { alarmNames, alarmPrefix, problem } = deps.config;

  if (problem) reason = problem;
  else if (alarmNames.length === 0 && !alarmPrefix) {
    reason = 'no alarm configured (ALARM_NAMES, ALARM_PREFIX): nothing shows the new version is healthy';
  } else if (deps.budget.checksMs() <= 0) {
    reason = `no time left to read the alarms: ${deps.budget.remainingMs()} ms remain, kept for reporting`;
  } else {
    const read = await withinBudget(deps.budget.checksMs(), async (signal) => ({
      alarms: await describeAlarms(deps, signal),
      ...(await lastLook(deps, event.DeploymentId, signal)),
    }));
    if (read.status === 'error') {
      reason = `could not read the alarms${deps.config.canary ? ' or the canary' : ''}: ${read.error}`;
    } else {
      canary = read.judgement;
      alarms = read.alarms.map((alarm) => ({
        name: String(alarm.AlarmName),
        state: String(alarm.StateValue),
      }));
      const missing = alarmNames.filter((name) => !alarms.some((alarm) => alarm.name === name));
      const firing = alarms.filter((alarm) => alarm.state === 'ALARM');
      if (missing.length > 0) reason = `configured alarm(s) not found: ${missing.join(', ')}`;
      else if (alarms.length === 0) reason = `no alarm starts with ${alarmPrefix}`;
      else if (firing.length > 0) reason = `in ALARM: ${firing.map((alarm) => alarm.name).join(', ')}`;
      else status = 'Succeeded';
      const problem = missing.length > 0 || alarms.length === 0;
      ({ status, reason } = withCanary(canary, {
        status,
        ...(reason ? { reason } : {}),
        firing,
        problem,
      }));
    }
  }
  if (status === 'Failed') deps.logger.warn(`post-traffic check Failed: ${reason}`, { alarms });
  else deps.logger.info('post-traffic check: no alarm in ALARM', { alarms });

  let reportError: unknown;
  try {
    await reportStatus(deps, event, status);
  } catch (error) {
    reportError = error;
  }
  let auditId: string | undefined;
  try {
    const record = await deps.ledger.record({
      action: 'deploy.post-traffic',
      actor: `codedeploy:${event.DeploymentId}`,
      reason: `post-traffic alarm check of deployment ${event.DeploymentId}`,
      target: `deployment:${event.DeploymentId}`,
      request: event,
      before: null,
      after: { status, reported: reportError === undefined },
      dryRun: false,
      outcome: status === 'Succeeded' && reportError === undefined ? 'succeeded' : 'failed',
      correlationId: deps.correlationId,
      details: { alarms, ...(reason ? { reason } : {}), ...(canary ? { canary } : {}) },
    });
    auditId = record.auditId;
  } catch (error) {
    deps.logger.error('could not write the audit record of the post-traffic check', {
      error: describe(error),
    });
  }
  if (reportError !== undefined) throw reportError;
  return {
    deploymentId: event.DeploymentId,
    status,
    reported: true,
    alarms,
    ...(reason ? { reason } : {}),
    ...(auditId ? { auditId } : {}),
    ...(canary ? { canary } : {}),
  };
}
