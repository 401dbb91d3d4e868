// The kill switch's configuration, dependencies, results and audit actions, shared by its parts.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { AuditLedger } from '../../shared/audit.js';
import type { Log } from '../../shared/log.js';
import type { Clock } from '../../shared/rate.js';
import type { Door } from '../../shared/triggers/index.js';

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

type Logger = Pick<Log, 'info' | 'warn'>;

export interface Progress {
  phase: 'read' | 'write';
  done: number;
  total: number;
}

export interface KillSwitchDeps {
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
}

export interface FullList {
  total: number;
  shown: number;
  auditId: string;
  /** The command that reads every schedule's outcome, a page at a time. */
  command: string;
}
