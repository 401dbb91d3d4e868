// The types a fleet run's parts share. A leaf: it imports none of them.

import type { ActionDeps } from '../../shared/action.js';
import type { ApprovalPolicy } from '../../shared/approval/policy.js';
import type { ApprovalStore } from '../../shared/approval/store.js';
import type { AuditLedger } from '../../shared/audit.js';
import type { AccountClients } from '../../shared/fleet/accounts.js';
import type { WatchList, Workload } from '../../shared/fleet/workload.js';
import type { Log } from '../../shared/log.js';
import type { Origin } from '../../shared/origin.js';
import type { FleetAction, FleetRequest } from './schema.js';

export type { AccountClients } from '../../shared/fleet/accounts.js';

export interface FleetConfig {
  concurrency: number;
  cooldownMinutes: number;
  killSwitchAlarms: string[];
  rollbackAlarms: string[];
}

export interface FleetDeps {
  /** The watch list in force (file, stack, tags), read once per container. */
  watchList(): Promise<WatchList>;
  /** Clients for a workload's account (undefined: the runbook's own); a member account's role is assumed. */
  clientsFor(account: string | undefined): Promise<AccountClients>;
  ledger: Pick<AuditLedger, 'record' | 'list' | 'get'>;
  logger: Pick<Log, 'info' | 'warn'>;
  /**
   * Where each workload's own action counts what it did (`Rollback`, `SchedulesDisabled`, `Redriven`, …), as
   * the single action counts it: the function sets Powertools' Metrics (deps.ts); absent in tests that do not
   * look at metrics.
   */
  metrics?: ActionDeps['metrics'];
  now: () => Date;
  config: FleetConfig;
  /** The runbook's own account id (the function's ARN says it), for what must name it (a drain's queues). */
  homeAccount?: string;
  /** The function's environment: the drainer's settings (rate, age limit) apply to a fleet drain too. */
  env: NodeJS.ProcessEnv;
  /** Time left in this invocation; a run that cannot finish stops cleanly and continues (continue.ts). */
  remainingMs?: () => number;
  /**
   * remainingMs is an API call's (shared/api-budget.ts), not the function's timeout: a part cut short by it
   * continues from the queue with the whole timeout (continue.ts), and a plan to be held stops later (governed.ts).
   */
  apiCall?: boolean;
  /**
   * The approval gate of a disable or a drain (governed.ts): where pending requests are kept, and the policy.
   * The function always sets it (deps.ts); absent only in tests of the run itself, which then holds nothing.
   */
  approval?: { approvals: ApprovalStore; policy: ApprovalPolicy };
  /** Sends the message that continues a run (the continuation queue); absent: a person re-runs instead. */
  continueWith?: (message: { continues: string; auditId: string; request: FleetRequest }) => Promise<void>;
}

export type WorkloadOutcome = 'succeeded' | 'unchanged' | 'planned' | 'failed' | 'skipped';

/** What reverses one workload's part of a fleet run. */
export type Restore =
  | { kind: 'rollback'; toVersion: string }
  /** The kill switches a disable opened for the workload: its groups' and its single schedules' (killswitch.ts). */
  | { kind: 'enable'; restoreIds: string[] };

/** One workload's line of a fleet answer and record. */
export interface WorkloadResult {
  workload: string;
  account: string;
  outcome: WorkloadOutcome;
  /** One line for people: `live 7 → 5 (last known good)`, `12 schedules disabled`. */
  summary: string;
  /** The workload's own audit record. */
  auditId?: string;
  /** Every record, when its part was more than one action (a kill switch over its groups, one over its singles). */
  auditIds?: string[];
  /** The workload's own undo, when it changed something. */
  undo?: string;
  restore?: Restore;
  error?: { code: string; message: string };
}

/** One workload's part of a fleet action. Throws for a failure, which the run records as that workload's. */
export type PerWorkload = (
  deps: FleetDeps,
  workload: Workload,
  context: {
    request: FleetRequest;
    origin: Origin;
    fleetAuditId: string;
    /** Workloads this run acts on at once, at most: a share of a rate is the rate over this. */
    inFlight?: number;
  },
) => Promise<WorkloadResult>;

export interface FleetResult {
  action: FleetAction;
  auditId: string;
  dryRun: boolean;
  /** How many workloads the selector chose. */
  selected: number;
  counts: Record<WorkloadOutcome, number>;
  /** Per workload, failures first; at most MAX_LISTED (the record keeps them all). */
  workloads: WorkloadResult[];
  /** How many were left out of `workloads`: read them with `runbook fleet status --audit-id`. */
  omitted?: number;
  /** Reverses every change of this run; null when nothing changed. */
  undo: string | null;
  notified: boolean;
  /** Set only when the run acted but its fleet record could not be written. */
  unrecorded?: string;
  /** The part of a chain this run is (continue.ts): 1 unless it continues another. */
  part?: number;
  /** The part this one continues. */
  continues?: string;
  /** Set when workloads remain: the next part's auditId, and whether it is queued (or why not). */
  continuation?: { auditId: string; queued: boolean; remaining: number; why?: string };
}
