// The ledger's side of the timeline: every record of a window, read through the byAction index (action, at),
// one Query per action the runbook records, each `at BETWEEN since AND until`, oldest first. The table's key
// is the audit id, so nothing cheaper reads a window without a new index: a Scan would read the whole ledger
// (400 days of it) to return two hours, and template.yaml has no time-only index. The actions are listed
// below; test/unit/timeline-ledger.test.ts checks the list against every action the functions record.
// Only the fields a timeline shows are read (ProjectionExpression, projectionOf): a record's before/after may be
// large, so of them only what a governance line needs (governance.ts).
import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../audit.js';
import { isPagedList } from '../audit-pages.js';
import { accountOf, scopeOf } from '../fleet/select.js';
import type { Workload } from '../fleet/workload.js';
import { mapSettled } from '../rate.js';
import { isObject } from '../validate.js';
import type { TimelineEntry } from './entry.js';
import { gather } from './gather.js';
import { type GovernedFields, governanceOf } from './governance.js';

const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
const FLEET = ['status', 'rollback', 'disable', 'enable', 'drain', 'undo'];

/** Every action the runbook writes to the ledger. A new action must be added here to be in the timeline. */
export const LEDGER_ACTIONS: readonly string[] = [
  'rollback',
  'schedules.killswitch',
  'schedules.snapshot',
  'schedules.disable',
  'schedules.enable',
  'killswitch.throttle',
  'killswitch.unthrottle',
  'dlq.peek',
  'dlq.drain',
  'secret.revokePrevious',
  // Issue 18: a held request is its action's record with outcome `pending`; each vote is a record of its own.
  'approval.approve',
  'approval.reject',
  ...ROTATION_STEPS.map((step) => `secret.rotation.${step}`),
  'deploy.pre-traffic',
  'deploy.post-traffic',
  'canary.stop',
  ...FLEET.map((action) => `fleet.${action}`),
  // A fleet run whose continuation could not be queued leaves this marker (functions/fleet/record.ts).
  'fleet.continuation',
];

export interface LedgerReadDeps {
  dynamo: DynamoDBDocumentClient;
  tableName: string;
}

export interface LedgerWindow {
  since: Date;
  until: Date;
  /** Records kept per action; the rest of the window is counted, not kept. */
  limit: number;
  /** With a workload selection: only the records that name one of them. */
  workloads?: readonly Workload[];
  actions?: readonly string[];
}

type Projected = Pick<
  AuditRecord,
  | 'auditId'
  | 'action'
  | 'actor'
  | 'reason'
  | 'target'
  | 'outcome'
  | 'at'
  | 'undo'
  | 'dryRun'
  | 'request'
  | 'scope'
> &
  GovernedFields;

/** The kill switch's actions: the records of one kill switch (disable, snapshot, marker, throttle, enable). */
const KILL_SWITCH = /^(schedules|killswitch)\./;

type Mentioning = Pick<AuditRecord, 'target' | 'request'> &
  Partial<Pick<AuditRecord, 'action' | 'scope' | 'details'>>;

/**
 * Whether a record is about a workload. Most records name it: its function, alias target, schedule groups,
 * queues or its name. Three kinds do not, and are known otherwise:
 * - a fleet workload's kill switch (`all: true` over the workload's groups; an enable names only its restoreId):
 *   its `scope` is the workload's (records written before `scope` existed are not found);
 * - the stack's own kill switch: its IAM confines it to the stack workload's groups (SCHEDULE_GROUPS), so every
 *   record of it without a scope is that workload's;
 * - a fleet run selected by tag, `--all`, `--deployed-since` or an audit id (undo): its record lists each
 *   workload's line (`details.workloads`). A run over more workloads than one record holds (thousands) keeps its
 *   lines in pages: it is counted as naming each one, rather than read page by page here.
 */
export function mentions(record: Mentioning, workload: Workload): boolean {
  if (record.scope !== undefined) return record.scope === scopeOf(workload);
  if (record.action !== undefined && KILL_SWITCH.test(record.action) && ownsKillSwitch(workload)) return true;
  if (record.action?.startsWith('fleet.') && inFleetRun(record.details, workload)) return true;
  const words = [
    workload.functionName,
    workload.name,
    ...workload.scheduleGroups,
    ...workload.schedules.map((schedule) => schedule.name),
    ...workload.dlqs.map((dlq) => dlq.queue),
  ];
  const request = JSON.stringify(record.request ?? null);
  const quoted = (word: string) => request.includes(JSON.stringify(word));
  return words.some(
    (word) => record.target === word || record.target.split(':').includes(word) || quoted(word),
  );
}

const ownsKillSwitch = (workload: Workload) =>
  workload.source === 'stack' && workload.account === undefined && workload.scheduleGroups.length > 0;

function inFleetRun(details: unknown, workload: Workload): boolean {
  const lines = isObject(details) ? details.workloads : undefined;
  if (isPagedList(lines)) return true;
  const account = accountOf(workload);
  return (
    Array.isArray(lines) &&
    lines.some((line) => isObject(line) && line.workload === workload.name && line.account === account)
  );
}

export function ledgerEntry(record: Projected): TimelineEntry {
  const governance = governanceOf(record);
  return {
    at: record.at,
    kind: 'action',
    what: `${record.action} ${record.target}${record.dryRun ? ' (dry run)' : ''}`,
    who: record.actor,
    outcome: record.outcome,
    // A dry run changed nothing: the undo its record keeps is what a real run's would be, not one to run.
    ...(record.undo && !record.dryRun ? { undo: record.undo } : {}),
    ...(record.reason ? { detail: record.reason } : {}),
    ref: record.auditId,
    ...(governance ? { governance } : {}),
  };
}

const NAMES: Record<string, string> = {
  '#id': 'auditId',
  '#action': 'action',
  '#actor': 'actor',
  '#reason': 'reason',
  '#target': 'target',
  '#outcome': 'outcome',
  '#at': 'at',
  '#undo': 'undo',
  '#dryRun': 'dryRun',
  '#approval': 'approval',
  '#breakGlass': 'breakGlass',
  '#details': 'details',
  '#replans': 'replans',
  '#after': 'after',
  '#request': 'request',
  '#scope': 'scope',
  '#workloads': 'workloads',
};

/**
 * What one action's Query reads: the fields shown and the governance fields. A vote's whole `after` (its tally)
 * and `request` (its approval id) are a few fields; any other action's record gives its `approval`, `breakGlass`
 * and, pending, `details.approval` (what it needs). Per action, not one list: a nested path under an attribute
 * that is not a map (a snapshot's `after` is null) is simply absent in DynamoDB, but moto answers it with a 500.
 * With a workload filter the whole request, the scope and a fleet run's workload lines are read too, to find the
 * workload in them (mentions).
 */
export function projectionOf(action: string, filter: boolean) {
  const fields = ['#id', '#action', '#actor', '#reason', '#target', '#outcome', '#at', '#undo', '#dryRun'];
  const governance = action.startsWith('approval.')
    ? ['#after', '#request']
    : [
        '#approval',
        '#breakGlass',
        '#details.#approval',
        '#details.#replans',
        // Whose record it is: what it names, a kill switch's scope, a fleet run's lines (mentions).
        ...(filter
          ? ['#request', '#scope', ...(action.startsWith('fleet.') ? ['#details.#workloads'] : [])]
          : []),
      ];
  const expression = [...fields, ...governance].join(', ');
  const used = new Set(expression.match(/#\w+/g));
  return {
    ProjectionExpression: expression,
    ExpressionAttributeNames: Object.fromEntries(Object.entries(NAMES).filter(([name]) => used.has(name))),
  };
}

async function readAction(deps: LedgerReadDeps, action: string, window: LedgerWindow) {
  const kept: TimelineEntry[] = [];
  let unread = 0;
  let startKey: Record<string, unknown> | undefined;
  const filter = window.workloads;
  do {
    const page: QueryCommandOutput = await deps.dynamo.send(
      new QueryCommand({
        TableName: deps.tableName,
        IndexName: 'byAction',
        KeyConditionExpression: '#action = :action AND #at BETWEEN :since AND :until',
        ...projectionOf(action, filter !== undefined),
        ExpressionAttributeValues: {
          ':action': action,
          ':since': window.since.toISOString(),
          ':until': window.until.toISOString(),
        },
        ScanIndexForward: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of (page.Items ?? []) as Projected[]) {
      if (filter && !filter.some((workload) => mentions(item, workload))) continue;
      // Past the limit a record is only counted: the timeline says how many it left out.
      if (kept.length < window.limit) kept.push(ledgerEntry(item));
      else unread += 1;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { kept, unread };
}

/** The window's records of every action, each action's oldest first; an action that cannot be read is a gap. */
export async function readLedger(deps: LedgerReadDeps, window: LedgerWindow) {
  const actions = window.actions ?? LEDGER_ACTIONS;
  const settled = await mapSettled(actions, { concurrency: 4 }, (action) => readAction(deps, action, window));
  return gather(settled, (index) => `ledger (${actions[index]})`);
}
