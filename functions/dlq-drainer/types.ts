// The types the drain's steps share (plan.ts → sweep.ts → act.ts → record.ts), kept apart so no step imports
// another for a type.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { ActionDeps } from '../../shared/action.js';
import type { AuditLedger } from '../../shared/audit.js';
import type { FreezeGuard } from '../../shared/freeze/guard.js';
import type { Log } from '../../shared/log.js';
import type { Origin } from '../../shared/origin.js';
import type { Clock } from '../../shared/rate.js';
import type { BatchLimits } from './batches.js';
import type { Lookups } from './reads.js';
import type { DrainRequest } from './schema.js';

export interface DrainConfig {
  /** Queue names this deployment may drain; empty allows any the role can read. */
  allowedQueues: string[];
  /** The deployment's account: a queue given as a URL must be in it. */
  accountId: string;
  /** Queue names an SQS target may name; empty: the source queues of the drained DLQ (its redrive relationship). */
  allowedTargetQueues: string[];
  /** SendMessageBatch limits (SQS's by default). */
  batchLimits?: BatchLimits;
  targetFunction?: string;
  targetQualifier: string;
  quarantineQueueUrl?: string;
  maxAgeSeconds: number;
  ratePerSecond: number;
  concurrency: number;
  maxMessages: number;
  waitSeconds: number;
  /** Stop this long before the deadline. */
  reserveMs: number;
}

export interface DrainProgress {
  received: number;
  redriven: number;
  failed: number;
  stale: number;
  filtered: number;
  /** The queue's approximate depth when the run began. */
  atStart: number;
  /** The most this run will receive. */
  limit: number;
}

export interface DrainDeps extends ActionDeps {
  sqs: SQSClient;
  lambda: LambdaClient;
  ledger: Pick<AuditLedger, 'record' | 'list'>;
  logger: Pick<Log, 'info' | 'warn'>;
  now: () => Date;
  config: DrainConfig;
  /** The change freezes a drain obeys (FREEZE_WINDOWS), and an approval that lets one through. */
  freeze: FreezeGuard;
  /**
   * A freeze makes this drain need approval instead of refusing it (an API request: governed.ts holds it as
   * pending); otherwise a freeze refuses it with a 409.
   */
  freezeNeedsApproval?: boolean;
  /** Time left before the Lambda deadline (context.getRemainingTimeInMillis). */
  remainingMs: () => number;
  clock?: Clock;
  /** Told after each batch (the CLI's live bar); undefined when nobody listens. */
  onProgress?: ((progress: DrainProgress) => void) | undefined;
}

export type Mode = 'drain' | 'peek';

export type LambdaRoute = { type: 'lambda'; functionName: string; qualifier: string };
export type Route = LambdaRoute | { type: 'sqs'; queueUrl: string };

export type StoppedBy = 'empty' | 'maxMessages' | 'deadline';

/** What a run counts and lists as it goes: bounded whatever the number of messages (tally.ts). */
export interface Tally {
  received: number;
  redriven: number;
  failed: number;
  skipped: { stale: number; filtered: number };
  /** Stale messages moved to the quarantine queue (the others stay in the DLQ). */
  quarantined: number;
  /** Received, but the deadline came before their turn: released for the next run. */
  notAttempted: number;
  byErrorCode: Record<string, number>;
  byKind: Record<string, number>;
  byAge: Record<string, number>;
  /** RequestID or message id of each redriven message: a key twice means an event redriven twice. */
  redrivenKeys: string[];
  duplicateKeys: string[];
  /** Redriven, but the delete failed: still in the DLQ and will be redriven again by a later run. */
  notDeleted: string[];
  failures: { key: string; error: string }[];
  stale: { key: string; reason: string; sentAt: string }[];
  /** Kept in the DLQ because, with its attributes, it is larger than SQS accepts in one message. */
  tooLarge: number;
  /** How many items each list above left out: every list is bounded whatever the number of messages. */
  omitted: Record<string, number>;
  /** First bytes of a few bodies, secrets masked with the log redaction rules (`redacted` says if any was). */
  samples: { kind: string; key: string; errorCode: string; body: string; redacted: boolean }[];
}

/** Everything read and decided before the first ReceiveMessage. */
export interface DrainPlan {
  request: DrainRequest;
  origin: Origin;
  mode: Mode;
  /** A peek or a dry run: the survey below is the answer, nothing is sent or deleted. */
  dryRun: boolean;
  auditId: string;
  queueName: string;
  queueUrl: string;
  /** The queue's approximate depth (visible + in flight) when the run began. */
  atStart: number;
  /** The SQS target the request named, resolved by SQS; undefined when it named none. */
  targetUrl?: string;
  /** The most this run will receive. */
  limit: number;
  maxAgeMs: number;
  ratePerSecond: number;
  concurrency: number;
  /** The run's lookups (source queues, Lambda targets, throttle windows), each asked once. */
  lookups: Lookups;
  /** The run's counters: filled by the survey or by act, read by record.ts (a failed run's record too). */
  tally: Tally;
  /** A dry run's reading of the queue (received, classified, released): what the dry run answers. */
  survey?: DrainOutcome;
  /** The freeze in force, when it makes this drain need approval (deps.freezeNeedsApproval). */
  frozen?: string;
}

export interface DrainOutcome {
  /** Why the run ended: the queue answered empty, maxMessages was reached, or the deadline neared. */
  stoppedBy: StoppedBy;
  /** The queue's depth after the run (visible + in flight), approximate as SQS says. */
  remainingApprox: number;
}

export interface DrainResult extends Omit<Tally, 'samples'>, DrainOutcome {
  mode: Mode;
  queue: string;
  queueUrl: string;
  atStartApprox: number;
  samples: Tally['samples'];
  /** How sample bodies were treated, for whoever reads the answer. */
  samplesNote?: string;
  dryRun: boolean;
  auditId: string;
  notified: boolean;
  /** Set only when messages were redriven but the audit record could not be written: says so, and why. */
  unrecorded?: string;
  /** Set when a drain stopped at its deadline (its own, or an API call's 28 s) with letters left: what next. */
  next?: string;
}

/** What one batch of received messages needs from the run: where held messages go, and the counters. */
export interface RunState {
  plan: DrainPlan;
  /** Messages kept invisible until the run ends, then released (visibility 0). */
  held: Message[];
  /** Message ids received in this run: SQS may deliver one twice. */
  seen: Set<string>;
  /** How often each key was redriven in this run. */
  redrivenCount: Map<string, number>;
}
