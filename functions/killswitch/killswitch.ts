// The emergency kill switch: stop a workload's EventBridge Scheduler schedules (and, if asked, the function
// itself) in one request, and later put back exactly what was there.
//
// The manual route it replaces is `aws scheduler update-schedule --name … --state DISABLED`, which resets every
// field not sent again (UpdateSchedule replaces the whole schedule), and whose undo re-enables schedules that
// were already off before the incident. Here:
//   disable: select → GetSchedule each → snapshot every definition in the audit ledger under a restoreId →
//            UpdateSchedule each with every field sent back and State DISABLED, under a token bucket, with
//            bounded concurrency and backoff on throttling. Re-running the same request resumes the same
//            restoreId and finishes the job without re-snapshotting what it already changed.
//   enable:  for each schedule the disable changed, and only if nothing but its State changed since the
//            snapshot, put its original State back; anything else edited meanwhile is a conflict, not overwritten.
//   status:  the open kill switches, and the state of the selected schedules.
import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  type LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import {
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { type AuditLedger, type AuditRecord, newAuditId } from '../../shared/audit.js';
import { describe } from '../../shared/budget.js';
import { isAwsError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { type Clock, mapSettled, retryThrottled, TokenBucket } from '../../shared/rate.js';
import { THROTTLE_ACTION, throttleTarget, UNTHROTTLE_ACTION } from '../../shared/throttle-windows.js';
import type { Door } from '../../shared/triggers/index.js';
import {
  changedFields,
  clientToken,
  definitionOf,
  fingerprint,
  type ScheduleDefinition,
  scheduleKey,
  updateInput,
} from './definition.js';
import type { KillSwitchRequest } from './schema.js';

export const ACTIONS = {
  /** Opens and closes a kill switch: small records `status` and a re-run read. */
  marker: 'schedules.killswitch',
  snapshot: 'schedules.snapshot',
  disable: 'schedules.disable',
  enable: 'schedules.enable',
} as const;

export const killSwitchTarget = (restoreId: string) => `killswitch:${restoreId}`;

export interface KillSwitchConfig {
  /** Groups this deployment may act on; empty: any. */
  scheduleGroups: string[];
  /** The only function it may throttle; undefined: any. */
  watchedFunction?: string;
  ratePerSecond: number;
  concurrency: number;
}

interface Logger {
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
}

export interface Progress {
  phase: 'read' | 'write';
  done: number;
  total: number;
}

export interface KillSwitchDeps {
  scheduler: SchedulerClient;
  lambda: LambdaClient;
  ledger: Pick<AuditLedger, 'record' | 'list'>;
  logger: Logger;
  now: () => Date;
  config: KillSwitchConfig;
  /** Time left before the function's timeout; work stops cleanly (items `skipped`) below a margin. */
  remainingMs?: () => number;
  clock?: Clock;
  onProgress?: (progress: Progress) => void;
}

export interface Origin {
  door: Door;
  actor: string;
  correlationId: string;
}

export type DisableOutcome =
  | 'disabled'
  | 'would-disable'
  | 'already-disabled'
  | 'disabled-earlier'
  | 'gone'
  | 'failed'
  | 'skipped';
export type EnableOutcome =
  | 'enabled'
  | 'would-enable'
  | 'already-enabled'
  | 'was-disabled'
  | 'not-changed-by-disable'
  | 'conflict'
  | 'missing'
  | 'failed'
  | 'skipped';

export interface ScheduleResult {
  group: string;
  name: string;
  outcome: DisableOutcome | EnableOutcome;
  /** For a conflict, the fields edited during the outage; for a failure, what went wrong. */
  changedFields?: string[];
  error?: string;
}

export interface ThrottleResult {
  functionName: string;
  /** Reserved concurrency before the kill switch; null: none (the account's unreserved pool). */
  recorded: number | null;
  outcome:
    | 'throttled'
    | 'would-throttle'
    | 'already-throttled'
    | 'restored'
    | 'would-restore'
    | 'unchanged'
    | 'conflict'
    | 'failed';
  current?: number | null;
  error?: string;
}

export interface KillSwitchResult {
  action: 'disable' | 'enable';
  restoreId: string | null;
  auditId: string;
  dryRun: boolean;
  changed: boolean;
  /** Set when this request continued an open kill switch of the same selector (a re-run). */
  resumed: boolean;
  counts: Record<string, number>;
  schedules: ScheduleResult[];
  throttle?: ThrottleResult;
  warnings: string[];
  /** The exact command that reverses this request; null when nothing changed. */
  undo: string | null;
  closed?: boolean;
  notified: boolean;
}

// ------------------------------------------------------------------------------------------ selection

interface Selected {
  group: string;
  name: string;
  /** Where an explicitly named schedule came from in the request, to name the field when it is missing. */
  field?: string;
  /** The state ListSchedules answered: enough for `status`, never for a write (a write reads the whole schedule). */
  listedState?: string;
}

/** The selector as a stable key: a re-run of the same request finds its open kill switch by it. */
export function selectorOf(request: KillSwitchRequest) {
  return {
    ...(request.schedules
      ? {
          schedules: request.schedules.map((item) => scheduleKey(item.group ?? 'default', item.name)).sort(),
        }
      : {}),
    ...(request.group !== undefined ? { group: request.group } : {}),
    ...(request.namePrefix ? { namePrefix: request.namePrefix } : {}),
    ...(request.all ? { all: true } : {}),
  };
}

export type Selector = ReturnType<typeof selectorOf>;
export const selectorKey = (selector: Selector) => JSON.stringify(selector);
const hasSelector = (selector: Selector) => Object.keys(selector).length > 0;

class Pacer {
  readonly bucket: TokenBucket;
  calls = 0;
  constructor(private readonly deps: KillSwitchDeps) {
    this.bucket = new TokenBucket({
      ratePerSecond: deps.config.ratePerSecond,
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
  }
  /** One paced Scheduler or Lambda call, retried on throttling. */
  send<T>(call: () => Promise<T>): Promise<T> {
    return retryThrottled(
      async () => {
        await this.bucket.take();
        this.calls++;
        return call();
      },
      { ...(this.deps.clock ? { clock: this.deps.clock } : {}), shouldStop: () => this.outOfTime() },
    );
  }
  outOfTime(): boolean {
    return this.deps.remainingMs !== undefined && this.deps.remainingMs() < 5_000;
  }
}

function checkGroup(deps: KillSwitchDeps, group: string, field: string) {
  const allowed = deps.config.scheduleGroups;
  if (allowed.length > 0 && !allowed.includes(group)) {
    throw new ValidationError(
      `${field}: this runbook acts on schedule group(s) ${allowed.join(', ')} only, not ${group}`,
      field,
    );
  }
}

async function groupExists(deps: KillSwitchDeps, pacer: Pacer, group: string): Promise<void> {
  try {
    await pacer.send(() => deps.scheduler.send(new GetScheduleGroupCommand({ Name: group })));
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) {
      throw new NotFoundError(`no schedule group ${group}`, 'group', error);
    }
    throw error;
  }
}

async function listGroup(deps: KillSwitchDeps, pacer: Pacer, group: string | undefined, prefix?: string) {
  const found: Selected[] = [];
  let NextToken: string | undefined;
  do {
    const page = await pacer.send(() =>
      deps.scheduler.send(
        new ListSchedulesCommand({
          ...(group ? { GroupName: group } : {}),
          ...(prefix ? { NamePrefix: prefix } : {}),
          MaxResults: 100,
          NextToken,
        }),
      ),
    );
    for (const item of page.Schedules ?? []) {
      if (item.Name) {
        found.push({
          group: item.GroupName ?? group ?? 'default',
          name: item.Name,
          ...(item.State ? { listedState: item.State } : {}),
        });
      }
    }
    NextToken = page.NextToken ?? undefined;
  } while (NextToken);
  return found;
}

/** Resolves the selector to schedules, checking every group first: a bad one fails before any write. */
async function select(deps: KillSwitchDeps, pacer: Pacer, request: KillSwitchRequest): Promise<Selected[]> {
  if (request.schedules) {
    const seen = new Set<string>();
    return request.schedules
      .map((item, index) => {
        const group = item.group ?? 'default';
        checkGroup(deps, group, `schedules.${index}.group`);
        return { group, name: item.name, field: `schedules.${index}.name` };
      })
      .filter((item) => {
        const key = scheduleKey(item.group, item.name);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
  }
  if (request.group !== undefined) {
    checkGroup(deps, request.group, 'group');
    await groupExists(deps, pacer, request.group);
    return listGroup(deps, pacer, request.group, request.namePrefix || undefined);
  }
  // all: true without a group: every configured group, or (unconfigured, local only) every group there is.
  const groups = deps.config.scheduleGroups;
  if (groups.length === 0) return listGroup(deps, pacer, undefined);
  const lists: Selected[][] = [];
  for (const group of groups) lists.push(await listGroup(deps, pacer, group));
  return lists.flat();
}

interface Read {
  item: Selected;
  definition?: ScheduleDefinition;
  gone?: boolean;
  error?: string;
}

async function readAll(deps: KillSwitchDeps, pacer: Pacer, items: Selected[]): Promise<Read[]> {
  let done = 0;
  const settled = await mapSettled(
    items,
    { concurrency: deps.config.concurrency, shouldStop: () => pacer.outOfTime() },
    async (item): Promise<Read> => {
      try {
        const answer = await pacer.send(() =>
          deps.scheduler.send(new GetScheduleCommand({ Name: item.name, GroupName: item.group })),
        );
        return { item, definition: definitionOf(answer, item.group) };
      } catch (error) {
        if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
        // A name the caller gave is a mistake to name; one listed a moment ago was deleted meanwhile.
        if (item.field)
          throw new NotFoundError(`no schedule ${item.name} in group ${item.group}`, item.field, error);
        return { item, gone: true };
      } finally {
        deps.onProgress?.({ phase: 'read', done: ++done, total: items.length });
      }
    },
  );
  return settled.map((entry, index) => {
    const item = items[index] as Selected;
    if (entry.status === 'ok') return entry.value;
    if (entry.status === 'skipped') return { item, error: 'skipped: out of time before it was read' };
    if (entry.error instanceof NotFoundError) throw entry.error;
    return { item, error: describe(entry.error) };
  });
}

// ------------------------------------------------------------------------------------------ the ledger

export interface OpenKillSwitch {
  restoreId: string;
  at: string;
  actor: string;
  reason: string;
  selector: Selector;
  functionName?: string;
}

interface MarkerDetails {
  restoreId: string;
  state: 'open' | 'closed';
  selector: Selector;
  selectorKey: string;
  functionName?: string;
}

/** Open kill switches, newest first: opened by a marker record and not yet closed by another. */
export async function openKillSwitches(ledger: Pick<AuditLedger, 'list'>): Promise<OpenKillSwitch[]> {
  const markers = (await ledger.list({ action: ACTIONS.marker }, { limit: 500 })).filter((r) => !r.dryRun);
  const closed = new Set(
    markers
      .map((r) => r.details as MarkerDetails | undefined)
      .filter((d) => d?.state === 'closed')
      .map((d) => d?.restoreId),
  );
  const open = new Map<string, OpenKillSwitch>();
  for (const record of markers) {
    const details = record.details as MarkerDetails | undefined;
    if (details?.state !== 'open' || closed.has(details.restoreId)) continue;
    // Newest first: keep overwriting, so the first (oldest) opening record wins.
    open.set(details.restoreId, {
      restoreId: details.restoreId,
      at: record.at,
      actor: record.actor,
      reason: record.reason,
      selector: details.selector,
      ...(details.functionName ? { functionName: details.functionName } : {}),
    });
  }
  return [...open.values()].sort((a, b) => b.at.localeCompare(a.at));
}

async function isClosed(
  ledger: Pick<AuditLedger, 'list'>,
  restoreId: string,
): Promise<'open' | 'closed' | 'unknown'> {
  const records = await ledger.list({ target: killSwitchTarget(restoreId) }, { limit: 1000 });
  const markers = records.filter((r) => r.action === ACTIONS.marker && !r.dryRun);
  if (markers.length === 0) return 'unknown';
  return markers.some((r) => (r.details as MarkerDetails).state === 'closed') ? 'closed' : 'open';
}

interface SnapshotEntry {
  group: string;
  name: string;
  definition: ScheduleDefinition;
}

interface SnapshotDetails {
  restoreId: string;
  part: number;
  schedules: SnapshotEntry[];
  throttle?: { functionName: string; reservedConcurrency: number | null };
}

interface Snapshot {
  schedules: Map<string, SnapshotEntry>;
  throttle?: { functionName: string; reservedConcurrency: number | null };
  parts: number;
  /** Schedules the disable runs changed (or found changed by an earlier run); undefined if none recorded. */
  changed?: Set<string>;
}

async function loadSnapshot(ledger: Pick<AuditLedger, 'list'>, restoreId: string): Promise<Snapshot> {
  const records = (await ledger.list({ target: killSwitchTarget(restoreId) }, { limit: 1000 }))
    .filter((r) => !r.dryRun)
    .sort((a, b) => a.at.localeCompare(b.at));
  const snapshot: Snapshot = { schedules: new Map(), parts: 0 };
  for (const record of records) {
    if (record.action === ACTIONS.snapshot) {
      const details = record.details as SnapshotDetails;
      snapshot.parts++;
      // First sight wins: a later part never replaces the definition from before the kill switch.
      for (const entry of details.schedules) {
        const key = scheduleKey(entry.group, entry.name);
        if (!snapshot.schedules.has(key)) snapshot.schedules.set(key, entry);
      }
      if (details.throttle && !snapshot.throttle) snapshot.throttle = details.throttle;
    } else if (record.action === ACTIONS.disable) {
      snapshot.changed ??= new Set();
      const results = (record.details as { results?: ScheduleResult[] } | undefined)?.results ?? [];
      for (const result of results) {
        if (result.outcome === 'disabled' || result.outcome === 'disabled-earlier') {
          snapshot.changed.add(scheduleKey(result.group, result.name));
        }
      }
    }
  }
  return snapshot;
}

// DynamoDB items are at most 400 KB and the ledger refuses records above 350 KB: snapshot in parts.
const SNAPSHOT_PART_BYTES = 200 * 1024;

function chunks(entries: SnapshotEntry[]): SnapshotEntry[][] {
  const parts: SnapshotEntry[][] = [];
  let current: SnapshotEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(JSON.stringify(entry));
    if (current.length > 0 && bytes + size > SNAPSHOT_PART_BYTES) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function enableCommand(restoreId: string, reason: string): string {
  return `runbook schedules enable --restore-id ${restoreId} --reason ${quote(reason)}`;
}

export function disableCommand(selector: Selector, reason: string): string {
  const parts = ['runbook schedules disable'];
  for (const key of selector.schedules ?? []) parts.push(`--schedule ${key}`);
  if (selector.group !== undefined) parts.push(`--group ${selector.group}`);
  if (selector.namePrefix) parts.push(`--name-prefix ${selector.namePrefix}`);
  if (selector.all) parts.push('--all');
  parts.push(`--reason ${quote(reason)}`);
  return parts.join(' ');
}

function countOf(results: ScheduleResult[]): Record<string, number> {
  const counts: Record<string, number> = { selected: results.length };
  for (const result of results) counts[result.outcome] = (counts[result.outcome] ?? 0) + 1;
  return counts;
}

function checkFunction(deps: KillSwitchDeps, functionName: string) {
  const watched = deps.config.watchedFunction;
  if (watched && functionName !== watched) {
    throw new ValidationError(
      `functionName: this runbook throttles ${watched} only, not ${functionName}`,
      'functionName',
    );
  }
}

async function reservedConcurrency(
  deps: KillSwitchDeps,
  pacer: Pacer,
  functionName: string,
): Promise<number | null> {
  try {
    const answer = await pacer.send(() =>
      deps.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName })),
    );
    return answer.ReservedConcurrentExecutions ?? null;
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) {
      throw new NotFoundError(`no function ${functionName}`, 'functionName', error);
    }
    throw error;
  }
}

const THROTTLE_WARNING =
  'the function is at reserved concurrency 0: while throttled, asynchronous events (the schedules’ own included) go straight to its dead-letter queue or on-failure destination without retries; the DLQ drainer treats events from this window as stale (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html)';

// ------------------------------------------------------------------------------------------ disable

export async function disable(
  deps: KillSwitchDeps,
  request: KillSwitchRequest,
  origin: Origin,
): Promise<KillSwitchResult> {
  const pacer = new Pacer(deps);
  const reason = request.reason ?? '';
  const selector = selectorOf(request);
  const key = selectorKey(selector);
  if (request.functionName) checkFunction(deps, request.functionName);

  // ---- plan: find what this continues, select, read every definition. Nothing is written before this ends.
  const open = await openKillSwitches(deps.ledger);
  let existing: OpenKillSwitch | undefined;
  if (request.restoreId) {
    existing = open.find((item) => item.restoreId === request.restoreId);
    if (!existing) {
      const state = await isClosed(deps.ledger, request.restoreId);
      throw state === 'closed'
        ? new ValidationError(
            `kill switch ${request.restoreId} was closed by an enable: disable anew without restoreId`,
            'restoreId',
          )
        : new NotFoundError(`no kill switch ${request.restoreId}`, 'restoreId');
    }
    if (selectorKey(existing.selector) !== key) {
      throw new ValidationError(
        `kill switch ${request.restoreId} selected ${selectorKey(existing.selector)}, not ${key}`,
        'restoreId',
      );
    }
  } else {
    existing = open.find((item) => selectorKey(item.selector) === key);
  }
  const resumed = existing !== undefined;
  const snapshot = existing ? await loadSnapshot(deps.ledger, existing.restoreId) : undefined;

  const items = await select(deps, pacer, request);
  const reads = await readAll(deps, pacer, items);
  const recorded = snapshot?.throttle;
  let throttlePrevious: number | null | undefined;
  if (request.throttle && request.functionName) {
    throttlePrevious =
      recorded && recorded.functionName === request.functionName
        ? recorded.reservedConcurrency
        : await reservedConcurrency(deps, pacer, request.functionName);
  }

  const results: ScheduleResult[] = [];
  const toDisable: { read: Read; definition: ScheduleDefinition; index: number }[] = [];
  const newEntries: SnapshotEntry[] = [];
  for (const read of reads) {
    const { group, name } = read.item;
    const base = { group, name };
    if (read.gone) {
      results.push({ ...base, outcome: 'gone' });
      continue;
    }
    if (!read.definition) {
      results.push({
        ...base,
        outcome: read.error?.startsWith('skipped') ? 'skipped' : 'failed',
        ...(read.error ? { error: read.error } : {}),
      });
      continue;
    }
    const original = snapshot?.schedules.get(scheduleKey(group, name));
    if (!original) newEntries.push({ group, name, definition: read.definition });
    const wasState = (original?.definition ?? read.definition).State;
    if (read.definition.State === 'DISABLED') {
      results.push({ ...base, outcome: wasState === 'DISABLED' ? 'already-disabled' : 'disabled-earlier' });
      continue;
    }
    toDisable.push({ read, definition: read.definition, index: results.length });
    results.push({ ...base, outcome: request.dryRun ? 'would-disable' : 'disabled' });
  }

  const auditId = newAuditId(deps.now());
  const opens = toDisable.length > 0 || throttlePrevious !== undefined;
  const restoreId = existing?.restoreId ?? (opens ? `ks-${newAuditId(deps.now())}` : null);
  const entry = {
    action: ACTIONS.disable,
    actor: origin.actor,
    reason,
    target: restoreId ? killSwitchTarget(restoreId) : `schedules:${key}`,
    request,
    correlationId: origin.correlationId,
  };
  const warnings: string[] = [];
  if (items.length === 0) warnings.push('the selector matched no schedule');
  if (request.throttle) warnings.push(THROTTLE_WARNING);

  // ---- dry run: the plan, no write
  if (request.dryRun) {
    const record = await deps.ledger.record(
      {
        ...entry,
        before: countOf(results),
        after: null,
        dryRun: true,
        outcome: 'planned',
        details: { restoreId, selector, results },
      },
      auditId,
    );
    return {
      action: 'disable',
      restoreId,
      auditId,
      dryRun: true,
      changed: false,
      resumed,
      counts: countOf(results),
      schedules: results,
      ...(request.functionName && throttlePrevious !== undefined
        ? {
            throttle: {
              functionName: request.functionName,
              recorded: throttlePrevious,
              outcome: 'would-throttle' as const,
            },
          }
        : {}),
      warnings,
      undo: null,
      notified: record.notified,
    };
  }

  // ---- nothing to stop and nothing open: no kill switch to open
  if (!restoreId) {
    const record = await deps.ledger.record(
      {
        ...entry,
        before: countOf(results),
        after: countOf(results),
        dryRun: false,
        outcome: 'unchanged',
        details: { selector, results },
      },
      auditId,
    );
    return {
      action: 'disable',
      restoreId: null,
      auditId,
      dryRun: false,
      changed: false,
      resumed: false,
      counts: countOf(results),
      schedules: results,
      warnings,
      undo: null,
      notified: record.notified,
    };
  }

  // ---- snapshot first: the marker that opens the kill switch, then every definition not yet kept
  const base = {
    actor: origin.actor,
    reason,
    target: killSwitchTarget(restoreId),
    request,
    correlationId: origin.correlationId,
    dryRun: false as const,
  };
  if (!existing) {
    await deps.ledger.record({
      ...base,
      action: ACTIONS.marker,
      before: null,
      after: { state: 'open' },
      outcome: 'succeeded',
      undo: enableCommand(restoreId, `undo kill switch ${restoreId}`),
      details: {
        restoreId,
        state: 'open',
        selector,
        selectorKey: key,
        ...(request.functionName ? { functionName: request.functionName } : {}),
      } satisfies MarkerDetails,
    });
  }
  const throttleToKeep =
    request.functionName && throttlePrevious !== undefined && !recorded
      ? { functionName: request.functionName, reservedConcurrency: throttlePrevious }
      : undefined;
  const parts = chunks(newEntries);
  if (parts.length === 0 && throttleToKeep) parts.push([]);
  for (const [index, schedules] of parts.entries()) {
    await deps.ledger.record({
      ...base,
      action: ACTIONS.snapshot,
      before: { schedules: schedules.length },
      after: null,
      outcome: 'succeeded',
      details: {
        restoreId,
        part: (snapshot?.parts ?? 0) + index,
        schedules,
        ...(index === 0 && throttleToKeep ? { throttle: throttleToKeep } : {}),
      } satisfies SnapshotDetails,
    });
  }

  // ---- act: throttle first (the hard stop), then every schedule
  let throttle: ThrottleResult | undefined;
  if (request.functionName && throttlePrevious !== undefined) {
    throttle = await applyThrottle(deps, pacer, request.functionName, throttlePrevious, restoreId, base);
  }
  let done = 0;
  const updates = await mapSettled(
    toDisable,
    { concurrency: deps.config.concurrency, shouldStop: () => pacer.outOfTime() },
    async ({ definition }) => {
      try {
        await pacer.send(() =>
          deps.scheduler.send(
            new UpdateScheduleCommand(
              updateInput(
                definition,
                'DISABLED',
                clientToken(restoreId, definition.GroupName, definition.Name, 'DISABLED'),
              ),
            ),
          ),
        );
      } finally {
        deps.onProgress?.({ phase: 'write', done: ++done, total: toDisable.length });
      }
    },
  );
  for (const [position, update] of updates.entries()) {
    const { index } = toDisable[position] as (typeof toDisable)[number];
    const result = results[index] as ScheduleResult;
    if (update.status === 'error')
      Object.assign(result, { outcome: 'failed', error: describe(update.error) });
    if (update.status === 'skipped')
      Object.assign(result, { outcome: 'skipped', error: 'out of time: run the same request again' });
  }

  const counts = countOf(results);
  const incomplete = (counts.failed ?? 0) + (counts.skipped ?? 0) > 0 || throttle?.outcome === 'failed';
  const changed = (counts.disabled ?? 0) > 0 || throttle?.outcome === 'throttled';
  const undo = enableCommand(restoreId, `undo kill switch ${restoreId}`);
  if (incomplete)
    warnings.push(
      'not every schedule was disabled: run the same request again to finish (it resumes this restoreId)',
    );
  const record = await deps.ledger.record(
    {
      ...base,
      action: ACTIONS.disable,
      before: {
        enabled: toDisable.length,
        ...countOf(results.filter((r) => r.outcome !== 'disabled' && r.outcome !== 'failed')),
      },
      after: counts,
      outcome: incomplete ? 'failed' : changed ? 'succeeded' : 'unchanged',
      undo,
      details: { restoreId, selector, results, ...(throttle ? { throttle } : {}) },
    },
    auditId,
  );
  return {
    action: 'disable',
    restoreId,
    auditId,
    dryRun: false,
    changed,
    resumed,
    counts,
    schedules: results,
    ...(throttle ? { throttle } : {}),
    warnings,
    undo,
    notified: record.notified,
  };
}

type BaseEntry = {
  actor: string;
  reason: string;
  target: string;
  request: unknown;
  correlationId: string;
  dryRun: false;
};

async function applyThrottle(
  deps: KillSwitchDeps,
  pacer: Pacer,
  functionName: string,
  previous: number | null,
  restoreId: string,
  base: BaseEntry,
): Promise<ThrottleResult> {
  const current = await reservedConcurrency(deps, pacer, functionName);
  const window = await throttleRecords(deps, functionName, restoreId);
  if (current === 0 && (previous === 0 || window.throttled)) {
    return { functionName, recorded: previous, current, outcome: 'already-throttled' };
  }
  try {
    await pacer.send(() =>
      deps.lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: functionName, ReservedConcurrentExecutions: 0 }),
      ),
    );
  } catch (error) {
    return { functionName, recorded: previous, current, outcome: 'failed', error: describe(error) };
  }
  // The contract with the DLQ drainer (shared/throttle-windows.ts): one succeeded record opens the window.
  await deps.ledger.record({
    ...base,
    action: THROTTLE_ACTION,
    target: throttleTarget(functionName),
    before: { reservedConcurrency: current },
    after: { reservedConcurrency: 0 },
    outcome: 'succeeded',
    undo: enableCommand(restoreId, `undo kill switch ${restoreId}`),
    details: { restoreId, functionName },
  });
  return { functionName, recorded: previous, current: 0, outcome: 'throttled' };
}

async function throttleRecords(deps: KillSwitchDeps, functionName: string, restoreId: string) {
  const records = (await deps.ledger.list({ target: throttleTarget(functionName) }, { limit: 200 })).filter(
    (r: AuditRecord) =>
      !r.dryRun &&
      r.outcome === 'succeeded' &&
      (r.details as { restoreId?: string } | undefined)?.restoreId === restoreId,
  );
  return {
    throttled: records.some((r) => r.action === THROTTLE_ACTION),
    unthrottled: records.some((r) => r.action === UNTHROTTLE_ACTION),
  };
}

// ------------------------------------------------------------------------------------------ enable

export async function enable(
  deps: KillSwitchDeps,
  request: KillSwitchRequest,
  origin: Origin,
): Promise<KillSwitchResult> {
  const pacer = new Pacer(deps);
  const reason = request.reason ?? '';
  const selector = selectorOf(request);

  // ---- plan: which kill switch, and its snapshot
  let restoreId = request.restoreId;
  if (!restoreId) {
    const open = await openKillSwitches(deps.ledger);
    restoreId = open.find((item) => selectorKey(item.selector) === selectorKey(selector))?.restoreId;
    if (!restoreId) {
      throw new NotFoundError(
        `no open kill switch selected ${selectorKey(selector)}: give its restoreId (runbook schedules status lists them)`,
        'restoreId',
      );
    }
  }
  const state = await isClosed(deps.ledger, restoreId);
  if (state === 'unknown') throw new NotFoundError(`no kill switch ${restoreId}`, 'restoreId');
  const auditId = newAuditId(deps.now());
  const base = {
    actor: origin.actor,
    reason,
    target: killSwitchTarget(restoreId),
    request,
    correlationId: origin.correlationId,
  };
  if (state === 'closed') {
    const record = await deps.ledger.record(
      {
        ...base,
        action: ACTIONS.enable,
        before: null,
        after: null,
        dryRun: request.dryRun,
        outcome: 'unchanged',
        details: { restoreId, note: 'already closed' },
      },
      auditId,
    );
    return {
      action: 'enable',
      restoreId,
      auditId,
      dryRun: request.dryRun,
      changed: false,
      resumed: false,
      counts: { selected: 0 },
      schedules: [],
      warnings: [`kill switch ${restoreId} was already restored and closed: nothing to do`],
      undo: null,
      closed: true,
      notified: record.notified,
    };
  }
  const snapshot = await loadSnapshot(deps.ledger, restoreId);
  const entries = [...snapshot.schedules.values()];

  // ---- read every schedule the snapshot holds, as it is now
  const reads = await readAll(
    deps,
    pacer,
    entries.map((entry) => ({ group: entry.group, name: entry.name })),
  );
  const results: ScheduleResult[] = [];
  const toEnable: { definition: ScheduleDefinition; state: 'ENABLED'; index: number }[] = [];
  for (const [position, read] of reads.entries()) {
    const entry = entries[position] as SnapshotEntry;
    const base = { group: entry.group, name: entry.name };
    const original = entry.definition;
    if (original.State !== 'ENABLED') {
      results.push({ ...base, outcome: 'was-disabled' });
      continue;
    }
    if (read.gone) {
      results.push({ ...base, outcome: 'missing' });
      continue;
    }
    if (!read.definition) {
      results.push({
        ...base,
        outcome: read.error?.startsWith('skipped') ? 'skipped' : 'failed',
        ...(read.error ? { error: read.error } : {}),
      });
      continue;
    }
    if (
      snapshot.changed &&
      !snapshot.changed.has(scheduleKey(entry.group, entry.name)) &&
      read.definition.State === 'DISABLED'
    ) {
      // The disable never changed it (it failed there) and someone else turned it off since: theirs to undo.
      results.push({ ...base, outcome: 'not-changed-by-disable' });
      continue;
    }
    if (fingerprint(read.definition) !== fingerprint(original)) {
      results.push({ ...base, outcome: 'conflict', changedFields: changedFields(original, read.definition) });
      continue;
    }
    if (read.definition.State === 'ENABLED') {
      results.push({ ...base, outcome: 'already-enabled' });
      continue;
    }
    // The definition as it is now, which is the snapshot's (the fingerprints match) with its secrets unredacted.
    toEnable.push({ definition: read.definition, state: 'ENABLED', index: results.length });
    results.push({ ...base, outcome: request.dryRun ? 'would-enable' : 'enabled' });
  }

  const throttleInfo = snapshot.throttle;
  const warnings: string[] = [];
  if ((countOf(results).conflict ?? 0) > 0) {
    warnings.push(
      'schedules edited during the outage were left as they are (conflict): check them and enable them by hand',
    );
  }
  if (request.dryRun) {
    let throttle: ThrottleResult | undefined;
    if (throttleInfo) {
      const current = await reservedConcurrency(deps, pacer, throttleInfo.functionName);
      throttle = {
        functionName: throttleInfo.functionName,
        recorded: throttleInfo.reservedConcurrency,
        current,
        outcome:
          current === throttleInfo.reservedConcurrency
            ? 'unchanged'
            : current === 0
              ? 'would-restore'
              : 'conflict',
      };
    }
    const record = await deps.ledger.record(
      {
        ...base,
        action: ACTIONS.enable,
        before: countOf(results),
        after: null,
        dryRun: true,
        outcome: 'planned',
        details: { restoreId, results },
      },
      auditId,
    );
    return {
      action: 'enable',
      restoreId,
      auditId,
      dryRun: true,
      changed: false,
      resumed: false,
      counts: countOf(results),
      schedules: results,
      ...(throttle ? { throttle } : {}),
      warnings,
      undo: null,
      notified: record.notified,
    };
  }

  // ---- act: schedules first (the function still refuses their events until its concurrency is back), then the function
  let done = 0;
  const updates = await mapSettled(
    toEnable,
    { concurrency: deps.config.concurrency, shouldStop: () => pacer.outOfTime() },
    async ({ definition, state: target }) => {
      try {
        await pacer.send(() =>
          deps.scheduler.send(
            new UpdateScheduleCommand(
              updateInput(
                definition,
                target,
                clientToken(restoreId, definition.GroupName, definition.Name, target),
              ),
            ),
          ),
        );
      } finally {
        deps.onProgress?.({ phase: 'write', done: ++done, total: toEnable.length });
      }
    },
  );
  for (const [position, update] of updates.entries()) {
    const { index } = toEnable[position] as (typeof toEnable)[number];
    const result = results[index] as ScheduleResult;
    if (update.status === 'error')
      Object.assign(result, { outcome: 'failed', error: describe(update.error) });
    if (update.status === 'skipped')
      Object.assign(result, { outcome: 'skipped', error: 'out of time: run the same request again' });
  }
  const entryBase = { ...base, dryRun: false as const };
  const throttle = throttleInfo
    ? await restoreThrottle(deps, pacer, throttleInfo, restoreId, entryBase)
    : undefined;

  const counts = countOf(results);
  const incomplete = (counts.failed ?? 0) + (counts.skipped ?? 0) > 0 || throttle?.outcome === 'failed';
  const changed = (counts.enabled ?? 0) > 0 || throttle?.outcome === 'restored';
  if (incomplete) warnings.push('not everything was restored: run the same request again to finish');
  const undo = changed ? disableCommand(selectorOfSnapshot(snapshot), `undo enable of ${restoreId}`) : null;
  const record = await deps.ledger.record(
    {
      ...entryBase,
      action: ACTIONS.enable,
      before: { disabled: toEnable.length },
      after: counts,
      outcome: incomplete ? 'failed' : changed ? 'succeeded' : 'unchanged',
      ...(undo ? { undo } : {}),
      details: { restoreId, results, ...(throttle ? { throttle } : {}), closed: !incomplete },
    },
    auditId,
  );
  if (!incomplete) {
    // Conflicts do not keep it open: they are for a person, and a re-run would find them again.
    await deps.ledger.record({
      ...entryBase,
      action: ACTIONS.marker,
      before: { state: 'open' },
      after: { state: 'closed' },
      outcome: 'succeeded',
      details: { restoreId, state: 'closed', selector: {}, selectorKey: '' } satisfies MarkerDetails,
    });
  }
  return {
    action: 'enable',
    restoreId,
    auditId,
    dryRun: false,
    changed,
    resumed: false,
    counts,
    schedules: results,
    ...(throttle ? { throttle } : {}),
    warnings,
    undo,
    closed: !incomplete,
    notified: record.notified,
  };
}

/** The selector a snapshot's schedules amount to, by name: what disabling them again would take. */
function selectorOfSnapshot(snapshot: Snapshot): Selector {
  return {
    schedules: [...snapshot.schedules.values()]
      .filter((entry) => entry.definition.State === 'ENABLED')
      .map((entry) => scheduleKey(entry.group, entry.name))
      .sort(),
  };
}

async function restoreThrottle(
  deps: KillSwitchDeps,
  pacer: Pacer,
  info: { functionName: string; reservedConcurrency: number | null },
  restoreId: string,
  base: BaseEntry,
): Promise<ThrottleResult> {
  const { functionName, reservedConcurrency: recorded } = info;
  let outcome: ThrottleResult['outcome'];
  let current: number | null;
  try {
    current = await reservedConcurrency(deps, pacer, functionName);
    if (current === recorded) {
      outcome = 'unchanged';
    } else if (current !== 0) {
      // Someone set another value during the outage: theirs stands.
      outcome = 'conflict';
    } else {
      // No reserved concurrency before: remove it, giving the function back to the unreserved pool.
      if (recorded === null) {
        await pacer.send(() =>
          deps.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: functionName })),
        );
      } else {
        await pacer.send(() =>
          deps.lambda.send(
            new PutFunctionConcurrencyCommand({
              FunctionName: functionName,
              ReservedConcurrentExecutions: recorded,
            }),
          ),
        );
      }
      outcome = 'restored';
      current = recorded;
    }
  } catch (error) {
    if (error instanceof NotFoundError) throw error;
    return { functionName, recorded, outcome: 'failed', error: describe(error) };
  }
  const window = await throttleRecords(deps, functionName, restoreId);
  if (window.throttled && !window.unthrottled && current !== 0) {
    await deps.ledger.record({
      ...base,
      action: UNTHROTTLE_ACTION,
      target: throttleTarget(functionName),
      before: { reservedConcurrency: 0 },
      after: { reservedConcurrency: current },
      outcome: 'succeeded',
      details: { restoreId, functionName },
    });
  }
  return { functionName, recorded, current, outcome };
}

// ------------------------------------------------------------------------------------------ status

export interface StatusResult {
  openKillSwitches: OpenKillSwitch[];
  schedules?: { group: string; name: string; state: string }[];
  counts?: Record<string, number>;
}

export async function status(deps: KillSwitchDeps, request: KillSwitchRequest): Promise<StatusResult> {
  const pacer = new Pacer(deps);
  const open = await openKillSwitches(deps.ledger);
  const selector = selectorOf(request);
  const restoreFilter = request.restoreId;
  const openKillSwitchesShown = restoreFilter
    ? open.filter((item) => item.restoreId === restoreFilter)
    : open;
  if (!hasSelector(selector)) return { openKillSwitches: openKillSwitchesShown };
  const items = await select(deps, pacer, request);
  // Listed schedules carry their state already; only schedules named one by one are read.
  const reads = await readAll(
    deps,
    pacer,
    items.filter((item) => item.listedState === undefined),
  );
  const readState = new Map(
    reads.map((read) => [
      scheduleKey(read.item.group, read.item.name),
      read.definition?.State ?? (read.gone ? 'GONE' : 'UNKNOWN'),
    ]),
  );
  const schedules = items.map((item) => ({
    group: item.group,
    name: item.name,
    state: item.listedState ?? readState.get(scheduleKey(item.group, item.name)) ?? 'UNKNOWN',
  }));
  const counts: Record<string, number> = { selected: schedules.length };
  for (const item of schedules) counts[item.state] = (counts[item.state] ?? 0) + 1;
  return { openKillSwitches: openKillSwitchesShown, schedules, counts };
}
