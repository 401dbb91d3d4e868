// The types the rollback's steps share (plan.ts → act.ts → record.ts), kept apart so no step imports another.

import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { AliasConfiguration, LambdaClient } from '@aws-sdk/client-lambda';
import type { ActionDeps } from '../../shared/action.js';
import type { AuditLedger } from '../../shared/audit.js';
import type { Log } from '../../shared/log.js';
import type { Origin } from '../../shared/origin.js';
import type { Choice, ChosenBy, DeploymentShift } from './choose.js';
import type { RollbackRequest } from './schema.js';

export interface RollbackConfig {
  /** The only function this deployment may roll back; its role allows no other. */
  watchedFunction?: string;
  /** Alarm names (or name prefixes ending in `*`) allowed to trigger a rollback. */
  rollbackAlarms: string[];
  /** After a rollback, alarm-triggered rollbacks of the same alias are held this long (people pass `force`). */
  cooldownMinutes: number;
  /** The CodeDeploy application deploying the watched function; undefined when there is none. */
  codeDeployApplication?: string;
  /** Set by a fleet run: the member account the alias is in (its ledger target names it). */
  account?: string;
  /** Set by a fleet run: the workload's name, so the undo is a fleet command that reaches its account. */
  workload?: string;
}

export interface RollbackDeps extends ActionDeps {
  lambda: LambdaClient;
  codedeploy: CodeDeployClient;
  ledger: Pick<AuditLedger, 'record' | 'list'>;
  logger: Pick<Log, 'info' | 'warn'>;
  now: () => Date;
  config: RollbackConfig;
}

export type Weights = Record<string, number>;

/** A cool-down holding an alarm-triggered rollback: the rollback that started it, and when it ends. */
export interface Hold {
  auditId: string;
  at: string;
  until: string;
}

export type Chosen = Choice | { version: string; chosenBy: 'in-flight-deployment'; why: string };

/** Everything read before any write, and what was decided from it. */
export interface RollbackPlan {
  request: RollbackRequest;
  origin: Origin;
  auditId: string;
  dryRun: boolean;
  /** The ledger target, `function:<name>:<alias>`. */
  target: string;
  before: AliasConfiguration;
  choice: Chosen;
  inFlight?: DeploymentShift;
  /** The alias is already on the target with no weights and nothing deploys it: nothing to do. */
  alreadyThere: boolean;
  hold?: Hold;
  /** The command that reverses the planned move. */
  undo: string;
  /** The cool-down's length, for the note of a held rollback. */
  cooldownMinutes: number;
}

export type RollbackOutcome =
  | { kind: 'already-there' }
  | { kind: 'held'; hold: Hold }
  | { kind: 'planned' }
  | { kind: 'moved'; changed: boolean };

export interface RollbackResult {
  functionName: string;
  alias: string;
  fromVersion: string;
  toVersion: string;
  chosenBy: ChosenBy | 'in-flight-deployment';
  /** Why that version, in one sentence. */
  why: string;
  /** The canary weights the alias carried before (now cleared), e.g. `{ "4": 0.1 }`; `{}` when none. */
  clearedWeights: Record<string, number>;
  stoppedDeploymentId?: string;
  changed: boolean;
  dryRun: boolean;
  auditId: string;
  /** The exact command that reverses this rollback; null when nothing changed. */
  undo: string | null;
  /** Set when a cool-down held an alarm-triggered rollback. */
  heldByCooldown?: Hold;
  note?: string;
  notified: boolean;
  /** Set only when the alias moved but its audit record could not be written: says so, and why. */
  unrecorded?: string;
}
