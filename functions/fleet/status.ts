// Fleet status: for each selected workload, what it serves, what a rollback would do, and what is wrong around
// it (schedules, dead letters, alarms). Reads only, each part within a time budget: a workload whose account
// cannot be read, or a part that fails, is shown as such instead of failing the whole answer.
// With an auditId it reads back a fleet run instead: every workload's line, a page at a time.
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import type { AuditRecord } from '../../shared/audit.js';
import { withinBudget } from '../../shared/budget.js';
import { NotFoundError } from '../../shared/errors.js';
import { accountOf } from '../../shared/fleet/select.js';
import type { Workload } from '../../shared/fleet/workload.js';
import { readPages } from '../../shared/paging.js';
import { mapSettled } from '../../shared/rate.js';
import { weightsOf } from '../rollback/alias.js';
import { planRollback } from '../rollback/plan.js';
import { chainOf, linesOf, partsFrom } from './continue.js';
import type { Readiness } from './readiness.js';
import { readReadiness } from './readiness-read.js';
import { continuationTarget, countsOf, fleetUndo } from './record.js';
import { errorOf, selected } from './run.js';
import type { FleetRequest } from './schema.js';
import type { AccountClients, FleetDeps, WorkloadResult } from './types.js';

const PART_BUDGET_MS = 8_000;
/** ListSchedules pages read per group (of SCHEDULE_PAGE, the API's largest): the count stays in its budget. */
export const MAX_SCHEDULE_PAGES = 20;
const SCHEDULE_PAGE = 100;
export const STATUS_PAGE = 100;

export interface WorkloadStatus {
  workload: string;
  account: string;
  functionName: string;
  alias: string;
  serving?: { version: string; weights: Record<string, number> };
  /** What a rollback would do now, and whether it can: readiness.ts's checks over the known-good version. */
  readiness?: Readiness & { why: string };
  /**
   * Counted schedules by state. `incomplete` names the groups with more than MAX_SCHEDULE_PAGES pages: the
   * counts are then at least these (the rest of those groups was not read), never a silent part of the truth.
   */
  schedules?: { enabled: number; disabled: number; incomplete?: { groups: string[]; why: string } };
  deadLetters?: { queue: string; depth: number | null }[];
  alarmsInAlarm?: string[];
  /** Set when a query had more pages of alarms in ALARM than were read: the list above is then a part. */
  alarmsInAlarmIncomplete?: string;
  /** Parts that could not be read, and why. */
  errors?: Record<string, string>;
}

export async function fleetStatus(deps: FleetDeps, request: FleetRequest): Promise<object> {
  if (request.auditId) return runStatus(deps, request.auditId);
  const chosen = await selected(deps, request);
  // A workload's parts take PART_BUDGET_MS at most: none starts when that, and the answer's way, no longer fit
  // in the time left (through the API, the call's 28 s): those left say `not reached`, and the answer is in time.
  const shouldStop = () => deps.remainingMs !== undefined && deps.remainingMs() < PART_BUDGET_MS + 2_000;
  const read = await mapSettled(chosen, { concurrency: deps.config.concurrency, shouldStop }, (workload) =>
    workloadStatus(deps, workload),
  );
  const workloads = read.map((item, index): WorkloadStatus => {
    if (item.status === 'ok') return item.value;
    const workload = chosen[index] as Workload;
    const reason = item.status === 'error' ? errorOf(item.error).message : 'not reached';
    return { ...identity(workload), errors: { account: reason } };
  });
  return {
    selected: chosen.length,
    workloads: workloads.slice(0, STATUS_PAGE),
    ...(chosen.length > STATUS_PAGE ? { omitted: chosen.length - STATUS_PAGE } : {}),
  };
}

const identity = (workload: Workload) => ({
  workload: workload.name,
  account: accountOf(workload),
  functionName: workload.functionName,
  alias: workload.alias,
});

async function workloadStatus(deps: FleetDeps, workload: Workload): Promise<WorkloadStatus> {
  const clients = await deps.clientsFor(workload.account);
  const [serving, readiness, schedules, deadLetters, alarms] = await Promise.all([
    withinBudget(PART_BUDGET_MS, async (abortSignal) => {
      const alias = await clients.lambda.send(
        new GetAliasCommand({ FunctionName: workload.functionName, Name: workload.alias }),
        { abortSignal },
      );
      return { value: { version: String(alias.FunctionVersion), weights: weightsOf(alias) } };
    }),
    withinBudget(PART_BUDGET_MS, async () => ({ value: await readinessOf(deps, clients, workload) })),
    withinBudget(PART_BUDGET_MS, async () => ({ value: await scheduleCounts(clients, workload) })),
    withinBudget(PART_BUDGET_MS, async () => ({ value: await queueDepths(clients, workload) })),
    withinBudget(PART_BUDGET_MS, () => inAlarm(clients, workload)),
  ]);
  const parts = { serving, readiness, schedules, deadLetters, alarmsInAlarm: alarms };
  const status: WorkloadStatus & Record<string, unknown> = identity(workload);
  const errors: Record<string, string> = {};
  for (const [name, part] of Object.entries(parts)) {
    if (part.status === 'ok') {
      if (part.value !== undefined) status[name] = part.value;
    } else errors[name] = part.error;
  }
  if (alarms.status === 'ok' && alarms.incomplete) status.alarmsInAlarmIncomplete = alarms.incomplete;
  return Object.keys(errors).length > 0 ? { ...status, errors } : status;
}

/** The version a rollback would choose now, by the rollback's own rules (its plan: reads only). */
async function knownGood(deps: FleetDeps, clients: AccountClients, workload: Workload) {
  try {
    const plan = await planRollback(
      {
        lambda: clients.lambda,
        codedeploy: clients.codedeploy,
        ledger: deps.ledger,
        logger: { info: () => {}, warn: () => {} },
        now: deps.now,
        config: {
          watchedFunction: workload.functionName,
          rollbackAlarms: [],
          cooldownMinutes: 0,
          ...(workload.codeDeploy ? { codeDeployApplication: workload.codeDeploy.application } : {}),
          ...(workload.account ? { account: workload.account } : {}),
          workload: workload.name,
        },
      },
      {
        request: {
          functionName: workload.functionName,
          alias: workload.alias,
          reason: 'fleet status',
          dryRun: true,
          force: true,
        },
        origin: { door: 'direct', actor: 'fleet-status', correlationId: 'fleet-status' },
      },
    );
    return { knownGood: plan.choice.version, why: plan.choice.why };
  } catch (error) {
    // No version to go back to: readiness says so as its first check, with the rule's reason.
    if (error instanceof NotFoundError) return { why: error.message };
    throw error;
  }
}

/** The known-good version by the rollback's rules, then whether it can serve now (readiness.ts). */
async function readinessOf(deps: FleetDeps, clients: AccountClients, workload: Workload) {
  const chosen = await knownGood(deps, clients, workload);
  const ready = await readReadiness(
    { lambda: clients.lambda },
    {
      functionName: workload.functionName,
      alias: workload.alias,
      ...(chosen.knownGood
        ? { knownGood: chosen.knownGood, whyKnownGood: chosen.why }
        : { whyNoKnownGood: chosen.why }),
    },
  );
  return { ...ready, why: chosen.why };
}

async function scheduleCounts(clients: AccountClients, workload: Workload) {
  if (workload.scheduleGroups.length === 0 && workload.schedules.length === 0) return undefined;
  const counts = { enabled: 0, disabled: 0 };
  const unfinished: string[] = [];
  const singles = new Set(workload.schedules.map((item) => `${item.group}/${item.name}`));
  const groups = new Set([...workload.scheduleGroups, ...workload.schedules.map((item) => item.group)]);
  for (const GroupName of groups) {
    const whole = workload.scheduleGroups.includes(GroupName);
    const more = await readPages(
      MAX_SCHEDULE_PAGES,
      (NextToken) =>
        clients.scheduler.send(new ListSchedulesCommand({ GroupName, NextToken, MaxResults: SCHEDULE_PAGE })),
      (answer) => {
        for (const schedule of answer.Schedules ?? []) {
          if (!whole && !singles.has(`${GroupName}/${schedule.Name}`)) continue;
          if (schedule.State === 'DISABLED') counts.disabled++;
          else counts.enabled++;
        }
      },
      (answer) => answer.NextToken,
    );
    if (more) unfinished.push(GroupName);
  }
  if (unfinished.length === 0) return counts;
  return {
    ...counts,
    incomplete: {
      groups: unfinished,
      why: `only the first ${MAX_SCHEDULE_PAGES} pages of ${SCHEDULE_PAGE} schedules of these groups were read: there are more, not counted`,
    },
  };
}

async function queueDepths(clients: AccountClients, workload: Workload) {
  if (workload.dlqs.length === 0) return undefined;
  return Promise.all(
    workload.dlqs.map(async ({ queue }) => {
      const { QueueUrl } = await clients.sqs.send(new GetQueueUrlCommand({ QueueName: queue }));
      const { Attributes } = await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      const depth = Number(Attributes?.ApproximateNumberOfMessages);
      return { queue, depth: Number.isFinite(depth) ? depth : null };
    }),
  );
}

/** DescribeAlarms pages of 100 read per query: 1,000 alarms in ALARM under one prefix is a listing, not a status. */
export const MAX_ALARM_PAGES = 10;

/**
 * The workload's alarms in ALARM: its named alarms (DescribeAlarms takes 100 names a call) and its prefixes,
 * every page up to MAX_ALARM_PAGES a query. The names found past that cap are not listed: the list then ends
 * with `alarmsInAlarmIncomplete` saying so, rather than passing for the whole of it.
 */
async function inAlarm(
  clients: AccountClients,
  workload: Workload,
): Promise<{ value?: string[]; incomplete?: string }> {
  if (workload.alarms.length === 0) return {};
  const names = workload.alarms.filter((alarm) => !alarm.endsWith('*'));
  const prefixes = workload.alarms.filter((alarm) => alarm.endsWith('*')).map((alarm) => alarm.slice(0, -1));
  const found = new Set<string>();
  const queries: { AlarmNames?: string[]; AlarmNamePrefix?: string }[] = [];
  for (let at = 0; at < names.length; at += 100) queries.push({ AlarmNames: names.slice(at, at + 100) });
  for (const AlarmNamePrefix of prefixes) queries.push({ AlarmNamePrefix });
  const cut: string[] = [];
  for (const query of queries) {
    const more = await readPages(
      MAX_ALARM_PAGES,
      (NextToken) =>
        clients.cloudwatch.send(
          new DescribeAlarmsCommand({ ...query, StateValue: 'ALARM', MaxRecords: 100, NextToken }),
        ),
      (answer) => {
        for (const alarm of [...(answer.MetricAlarms ?? []), ...(answer.CompositeAlarms ?? [])])
          if (alarm.AlarmName) found.add(alarm.AlarmName);
      },
      (answer) => answer.NextToken,
    );
    if (more) cut.push(query.AlarmNamePrefix === undefined ? 'named alarms' : `${query.AlarmNamePrefix}*`);
  }
  return {
    value: [...found],
    ...(cut.length > 0
      ? { incomplete: `more in ALARM under ${cut.join(', ')}: only ${MAX_ALARM_PAGES * 100} read per query` }
      : {}),
  };
}

/**
 * A fleet run read back: its counts and every workload's line, STATUS_PAGE at a time. A run that continued
 * (continue.ts) is read as its whole chain from this part on: each workload as its latest part left it, what
 * is done and what remains, and whether the next part is queued.
 */
async function runStatus(deps: FleetDeps, auditId: string) {
  const chain = await partsFrom(deps, auditId);
  const record = chain[0] as AuditRecord;
  const last = chain[chain.length - 1] as AuditRecord;
  const latest = new Map<string, WorkloadResult>();
  for (const part of chain) for (const line of linesOf(part)) latest.set(line.workload, line);
  const parts = chain.map((part) => ({
    auditId: part.auditId,
    part: chainOf(part).part,
    at: part.at,
    counts: part.after,
  }));
  const lines = [...latest.values()];
  const counts = countsOf(lines);
  const continuation = await continuationState(deps, last);
  const continues = chainOf(record).continues;
  return {
    auditId,
    action: record.action,
    at: record.at,
    actor: record.actor,
    reason: record.reason,
    outcome: last.outcome,
    counts,
    done: lines.length - counts.skipped,
    remaining: counts.skipped,
    ...(parts.length > 1 || continues ? { parts } : {}),
    ...(continues ? { continues } : {}),
    ...(continuation ? { continuation } : {}),
    workloads: lines.slice(0, STATUS_PAGE),
    ...(lines.length > STATUS_PAGE ? { omitted: lines.length - STATUS_PAGE } : {}),
    // Reverses every part of the chain from this one on (undo.ts reads it whole).
    ...(lines.some((line) => line.restore) ? { undo: fleetUndo(auditId) } : {}),
  };
}

/** The last part's continuation: queued (its part not recorded yet), or not queued and why. */
async function continuationState(deps: FleetDeps, last: AuditRecord) {
  const next = chainOf(last).continuation;
  if (!next) return undefined;
  if (!next.queued) return { auditId: next.auditId, state: 'not-queued', why: next.why };
  const failed = await deps.ledger.list({ target: continuationTarget(last.auditId) }, { limit: 1 });
  if (failed[0]) return { auditId: next.auditId, state: 'not-queued', why: failed[0].reason };
  return { auditId: next.auditId, state: 'queued' };
}
