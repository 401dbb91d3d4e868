// The kill switch's configuration, dependencies, results, audit actions and ledger shapes, shared by its parts.
// A leaf: it imports none of them, so no step imports another through it.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { ActionDeps, Planned } from '../../shared/action.js';
import type { AuditLedger } from '../../shared/audit.js';
import type { Log } from '../../shared/log.js';
import type { Origin } from '../../shared/origin.js';
import type { Clock, Pacer } from '../../shared/rate.js';
import type { ScheduleDefinition } from './definition.js';
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
  /**
   * Whose schedules these are, when one ledger serves many owners (a fleet workload: `fleet:<account>/<name>`).
   * Part of every selector's key, so that one workload's disable never continues, and one workload's enable
   * never restores, another's kill switch opened with the same selector (`all`, or a group of the same name in
   * another account). Undefined: the stack's own kill switch, whose keys stay as they were.
   */
  scope?: string;
}

type Logger = Pick<Log, 'info' | 'warn'>;

export interface Progress {
  phase: 'read' | 'write';
  done: number;
  total: number;
}

export interface KillSwitchDeps extends ActionDeps {
  scheduler: SchedulerClient;
  lambda: LambdaClient;
  ledger: Pick<AuditLedger, 'record' | 'list' | 'get'>;
  logger: Logger;
  now: () => Date;
  config: KillSwitchConfig;
  /** Time left before the function's timeout; work stops cleanly (items `skipped`) below a margin. */
  remainingMs?: () => number;
  clock?: Clock;
  onProgress?: (progress: Progress) => void;
}

/** The deps of one request: its pacer is shared by every read and write of that request. */
export type PacedDeps = KillSwitchDeps & { pacer: Pacer };

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
  | 'changed-since'
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
  /** When the kill switch last wrote the schedule (its mark): a change after it was a person's. */
  at?: string;
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
  /** Set when `schedules` shows only part of the list: how many there are and how to read them all. */
  fullList?: FullList;
  notified: boolean;
  /** Set only when schedules changed but the run's audit record could not be written: says so, and why. */
  unrecorded?: string;
}

export interface FullList {
  total: number;
  shown: number;
  auditId: string;
  /** The command that reads every schedule's outcome, a page at a time. */
  command: string;
}

// ------------------------------------------------------------------------------------------ the steps

/** What each step is given: the request and who asked. */
export interface Asked {
  request: KillSwitchRequest;
  origin: Origin;
}

/** A schedule to write, and where its result is in the run's results. */
export interface Pending {
  definition: ScheduleDefinition;
  index: number;
  key: string;
}

/** A disable, read and decided: nothing is written before this is complete. */
export interface DisablePlan extends Planned, Asked {
  selector: Selector;
  /** The selector as a key: a re-run of the same request finds its open kill switch by it. */
  key: string;
  /** The open kill switch this continues (a re-run), if any. */
  existing?: OpenKillSwitch;
  /** The snapshot parts already kept: a resume numbers its own after them. */
  parts: number;
  /** null when nothing would open: nothing to stop and nothing open, or a dry run that opens nothing. */
  restoreId: string | null;
  /** One per selected schedule, as the plan found it; the act fills in what its writes did. */
  results: ScheduleResult[];
  toDisable: Pending[];
  /** Definitions the snapshot does not hold yet (or holds from before a person changed them). */
  newEntries: SnapshotEntry[];
  /** Marks this run clears (owner.ts); its writes add their own. */
  marks: MarkChange[];
  /** When it throttles: the function's reserved concurrency before the kill switch (null: none). */
  throttlePrevious?: number | null;
  /** The concurrency to keep in the snapshot: only the first run of a kill switch keeps one. */
  throttleToKeep?: { functionName: string; reservedConcurrency: number | null };
  warnings: string[];
}

export type DisableRun =
  | { kind: 'nothing' }
  | { kind: 'planned' }
  | { kind: 'disabled'; results: ScheduleResult[]; marks: MarkChange[]; throttle?: ThrottleResult };

/** An enable, read and decided. */
export interface EnablePlan extends Planned, Asked {
  selector: Selector;
  restoreId: string;
  /** Already restored and closed: nothing to do. */
  closed: boolean;
  snapshot?: Snapshot;
  results: ScheduleResult[];
  toEnable: Pending[];
  warnings: string[];
  /** A dry run's look at the function's concurrency as it is now. */
  throttlePreview?: ThrottleResult;
}

export type EnableRun =
  | { kind: 'closed' }
  | { kind: 'planned' }
  | { kind: 'enabled'; results: ScheduleResult[]; throttle?: ThrottleResult };

// ------------------------------------------------------------------------------------------ the ledger's shapes

/** Which schedules a request selects, as a stable key's parts: a re-run finds its open kill switch by it. */
export interface Selector {
  /** KillSwitchConfig.scope, when set. */
  scope?: string;
  schedules?: string[];
  group?: string;
  namePrefix?: string;
  all?: boolean;
}

export interface OpenKillSwitch {
  restoreId: string;
  at: string;
  actor: string;
  reason: string;
  selector: Selector;
  functionName?: string;
}

export interface MarkerDetails {
  restoreId: string;
  state: 'open' | 'closed';
  selector: Selector;
  selectorKey: string;
  functionName?: string;
}

/**
 * What a disable run records of marks: `[schedule, at]` sets the mark, `[schedule, null]` clears it (a person's
 * change took the schedule back, or the write never happened). Kept beside the results, paged with them.
 */
export type MarkChange = [string, string | null];

/** The fields every record of kill switch `restoreId` written while acting shares. */
export type BaseEntry = {
  actor: string;
  reason: string;
  target: string;
  request: unknown;
  correlationId: string;
  dryRun: false;
  /** A fleet workload's kill switch (KillSwitchConfig.scope). */
  scope?: string;
};

export interface SnapshotEntry {
  group: string;
  name: string;
  definition: ScheduleDefinition;
}

export interface SnapshotDetails {
  restoreId: string;
  part: number;
  schedules: SnapshotEntry[];
  throttle?: { functionName: string; reservedConcurrency: number | null };
}

export interface Snapshot {
  /** Each schedule's definition immediately before the kill switch first disabled it, or, when a person changed
   * it after the kill switch had (a resumed disable found it so), as that disable found it. */
  schedules: Map<string, SnapshotEntry>;
  throttle?: { functionName: string; reservedConcurrency: number | null };
  parts: number;
  /**
   * For each schedule the kill switch wrote (or tried to), when that write had settled: its mark. A schedule
   * modified after its mark was changed by someone else since. Undefined when no disable run was recorded.
   */
  marks?: Map<string, string>;
  /** The selector the kill switch was opened with (its opening marker). */
  selector?: Selector;
}
