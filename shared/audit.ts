// The audit ledger: one DynamoDB item per runbook action (who, why, before, after, how to undo it),
// each also announced on the ops SNS topic. The table is declared in template.yaml as AuditTable.

import { randomBytes } from 'node:crypto';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { isPagedList, MAX_ITEM_BYTES, type PageItem, pageOut, sizeOf } from './audit-pages.js';
import { dynamoDocumentClient, snsClient } from './clients.js';
import { optionalEnv, requireEnv } from './env.js';
import { isAwsError, RunbookError } from './errors.js';
import type { Log } from './log.js';
import { logger as defaultLogger } from './powertools.js';
import { redact, redactString } from './redact.js';
import { isObject } from './validate.js';

/** `pending`: planned and waiting for approval (issue 18): nothing was changed. */
export type AuditOutcome = 'succeeded' | 'failed' | 'planned' | 'unchanged' | 'pending';

export interface AuditEntry {
  /** The runbook action, e.g. `rollback`, `schedules.disable`. */
  action: string;
  actor: string;
  reason: string;
  /** What was acted on, e.g. `function:trading:live`; the ledger is indexed by it. */
  target: string;
  request: unknown;
  before: unknown;
  after: unknown;
  dryRun: boolean;
  outcome: AuditOutcome;
  /** The exact command that reverses this action, when there is one. */
  undo?: string;
  correlationId: string;
  /** Anything else worth keeping (a chosen version and why, a deployment id). */
  details?: unknown;
  /** The account acted in, when a fleet run acts across accounts (`self`: the runbook's own). */
  account?: string;
  /**
   * The fleet workload a kill switch record belongs to, `fleet:<account>/<name>` (shared/fleet/select.ts
   * scopeOf): its request (`all: true` over the workload's groups) names neither. The timeline finds them by it.
   */
  scope?: string;
  /** The approval that let this run happen: the request's id and who approved it (issue 18). */
  approval?: { approvalId: string; approvedBy: readonly string[] };
  /** The requester acted alone, without approval, and said why: notified as BREAK-GLASS. */
  breakGlass?: { reason: string };
}

export interface AuditRecord extends AuditEntry {
  auditId: string;
  /** ISO-8601 time of the record. */
  at: string;
  /** Epoch seconds after which DynamoDB's TTL may remove the record. */
  expiresAt: number;
}

type Logger = Pick<Log, 'warn' | 'error'>;

export interface AuditDeps {
  dynamo: DynamoDBDocumentClient;
  sns: SNSClient;
  tableName: string;
  /** The ops topic; without it records are kept but nobody is told. */
  topicArn?: string;
  now?: () => Date;
  logger?: Logger;
  /** How long records are kept before TTL may remove them. */
  retentionDays?: number;
}

// SNS messages are at most 256 KB; a larger summary leaves its state out and points at the record.
const MAX_NOTIFICATION_BYTES = 240 * 1024;
const DEFAULT_RETENTION_DAYS = 400;

export class AuditTooLargeError extends RunbookError {
  constructor(bytes: number) {
    super(`audit record of ${bytes} bytes exceeds the ${MAX_ITEM_BYTES}-byte limit; nothing was recorded`, {
      statusCode: 500,
      code: 'AuditTooLarge',
    });
  }
}

/** Sortable by time and readable by a person: `20261122T154501123Z-3fa9c2d1`. */
export function newAuditId(at: Date): string {
  return `${at.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
}

/**
 * How far AuditLedger.list reads past the dry runs it leaves out (`excludeDryRuns`): up to this many times the
 * records asked for. Without a filter every record read is kept, so the bound never applies.
 */
export const DRY_RUN_READ_FACTOR = 10;

/** The FilterExpression that leaves dry runs out, with its names and values. */
const DRY_RUNS_OUT = {
  expression: 'attribute_not_exists(#dryRun) OR #dryRun <> :dryRun',
  names: { '#dryRun': 'dryRun' },
  values: { ':dryRun': true },
} as const;

export class AuditLedger {
  private readonly deps: AuditDeps;

  constructor(deps: AuditDeps) {
    this.deps = deps;
  }

  /**
   * Writes the record, then notifies the ops topic. The record is the source of truth: a notification that
   * fails is logged and reported as `notified: false`, never allowed to undo or hide the action.
   * Passing the same `auditId` again (a retried invocation) does not write a second record.
   */
  async record(entry: AuditEntry, auditId?: string): Promise<AuditRecord & { notified: boolean }> {
    const now = (this.deps.now ?? (() => new Date()))();
    const retentionDays = this.deps.retentionDays ?? DEFAULT_RETENTION_DAYS;
    const record: AuditRecord = {
      ...entry,
      // Secrets never reach the ledger, whatever a caller put in a reason, a request or a state snapshot.
      reason: redactString(entry.reason),
      target: redactString(entry.target),
      ...(entry.undo === undefined ? {} : { undo: redactString(entry.undo) }),
      request: redact(entry.request),
      before: redact(entry.before),
      after: redact(entry.after),
      ...(entry.details === undefined ? {} : { details: redact(entry.details) }),
      auditId: auditId ?? newAuditId(now),
      at: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + retentionDays * 86_400,
    };
    const paged = sizeOf(record) > MAX_ITEM_BYTES ? pageOut(record) : { record, pages: [] };
    // Checked before anything is written: a record that cannot be kept leaves no pages behind either.
    for (const item of [paged.record, ...paged.pages]) {
      const bytes = sizeOf(item);
      if (bytes > MAX_ITEM_BYTES) throw new AuditTooLargeError(bytes);
    }
    // Pages first: a record never points at a page that is not there. A retried invocation writes the same
    // pages again, harmlessly.
    await Promise.all(
      paged.pages.map((page) =>
        this.deps.dynamo.send(new PutCommand({ TableName: this.deps.tableName, Item: page })),
      ),
    );
    const written = paged.record;
    try {
      await this.deps.dynamo.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: written,
          ConditionExpression: 'attribute_not_exists(auditId)',
        }),
      );
    } catch (error) {
      // Already written by an earlier attempt of the same invocation: that record stands.
      if (!isAwsError(error, 'ConditionalCheckFailedException')) throw error;
    }
    return { ...written, notified: await this.notify(written) };
  }

  /** The record with every list its `details` moved into pages read back in place. */
  async expand(record: AuditRecord): Promise<AuditRecord> {
    const details = record.details;
    if (!isObject(details)) return record;
    const fields = { ...details };
    for (const [field, value] of Object.entries(fields)) {
      if (!isPagedList(value)) continue;
      const pages = await Promise.all(
        Array.from({ length: value.pages }, async (_, page) => {
          const { Item } = await this.deps.dynamo.send(
            new GetCommand({
              TableName: this.deps.tableName,
              Key: { auditId: `${value.key}#${page}` },
              ConsistentRead: true,
            }),
          );
          if (!Item) {
            throw new RunbookError(`audit record ${record.auditId}: page ${page} of ${field} is missing`, {
              statusCode: 500,
              code: 'AuditPageMissing',
            });
          }
          return (Item as PageItem).items;
        }),
      );
      fields[field] = pages.flat();
    }
    return { ...record, details: fields };
  }

  private async notify(record: AuditRecord): Promise<boolean> {
    if (!this.deps.topicArn) return false;
    const glass = record.breakGlass ? 'BREAK-GLASS ' : '';
    const subject = `[lambda-runbook] ${glass}${record.action} ${record.outcome}${record.dryRun ? ' (dry run)' : ''}: ${record.target}`;
    try {
      await this.deps.sns.send(
        new PublishCommand({
          TopicArn: this.deps.topicArn,
          // SNS subjects are at most 100 ASCII characters with no line breaks.
          Subject: subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 100),
          Message: notificationText(record),
          MessageAttributes: {
            action: { DataType: 'String', StringValue: record.action },
            outcome: { DataType: 'String', StringValue: record.outcome },
            // A dry run changed nothing: a subscription for people filters these out (template.yaml).
            dryRun: { DataType: 'String', StringValue: String(record.dryRun) },
            ...(record.breakGlass ? { breakGlass: { DataType: 'String', StringValue: 'true' } } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      (this.deps.logger ?? defaultLogger).error('ops notification failed; the audit record stands', {
        auditId: record.auditId,
        error,
      });
      return false;
    }
  }

  /** One record; with `expand`, its paged lists read back in place. A page item is not a record: undefined. */
  async get(auditId: string, options: { expand?: boolean } = {}): Promise<AuditRecord | undefined> {
    const { Item } = await this.deps.dynamo.send(
      new GetCommand({ TableName: this.deps.tableName, Key: { auditId }, ConsistentRead: true }),
    );
    if (!Item || typeof Item.action !== 'string') return undefined;
    return options.expand ? this.expand(Item as AuditRecord) : (Item as AuditRecord);
  }

  /**
   * Records for a target or an action, newest first; with `expand`, their paged lists read back in place. With
   * `fields` (attribute paths: `at`, `before.version`), only those parts of each record are read back: a caller
   * that reads a few of them in each of 50 records does not receive, parse and unmarshal the whole of each.
   *
   * With `excludeDryRuns`, the `limit` records are actions that were done: DynamoDB leaves dry runs out
   * (FilterExpression), and the reading goes on past them. Without it, a burst of dry runs (an on-call engineer
   * checking a plan again and again) would fill the `limit` and push the last real rollback out of what a caller
   * reads, and with it the cool-down it started. Bounded: at most DRY_RUN_READ_FACTOR × `limit` records are read.
   */
  async list(
    query: { target: string } | { action: string },
    options: {
      since?: string;
      limit?: number;
      expand?: boolean;
      fields?: readonly string[];
      excludeDryRuns?: boolean;
    } = {},
  ) {
    const [index, key, value] =
      'target' in query ? ['byTarget', 'target', query.target] : ['byAction', 'action', query.action];
    const limit = options.limit ?? 50;
    const projection = options.fields ? projectionOf(options.fields) : undefined;
    const dryRunsOut = options.excludeDryRuns ? DRY_RUNS_OUT : undefined;
    const records: AuditRecord[] = [];
    let read = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.deps.dynamo.send(
        new QueryCommand({
          TableName: this.deps.tableName,
          IndexName: index,
          KeyConditionExpression: options.since ? '#k = :v AND #at >= :since' : '#k = :v',
          ...(dryRunsOut ? { FilterExpression: dryRunsOut.expression } : {}),
          ExpressionAttributeNames: {
            '#k': key,
            ...(options.since ? { '#at': 'at' } : {}),
            ...dryRunsOut?.names,
            ...projection?.names,
          },
          ExpressionAttributeValues: {
            ':v': value,
            ...(options.since ? { ':since': options.since } : {}),
            ...dryRunsOut?.values,
          },
          ...(projection ? { ProjectionExpression: projection.expression } : {}),
          ScanIndexForward: false,
          Limit: limit - records.length,
          ExclusiveStartKey: startKey,
        }),
      );
      records.push(...((page.Items ?? []) as AuditRecord[]));
      read += page.ScannedCount ?? page.Items?.length ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey && records.length < limit && read < limit * DRY_RUN_READ_FACTOR);
    return options.expand ? Promise.all(records.map((record) => this.expand(record))) : records;
  }
}

/**
 * A ProjectionExpression for attribute paths, every name a placeholder (`at`, `action` and `before` are among
 * DynamoDB's reserved words): `before.version` is `#f2.#f3`, with `#f2` standing for before and `#f3` for version.
 */
export function projectionOf(fields: readonly string[]): {
  expression: string;
  names: Record<string, string>;
} {
  const names: Record<string, string> = {};
  const placeholders = new Map<string, string>();
  const placeholder = (name: string) => {
    let found = placeholders.get(name);
    if (!found) {
      found = `#f${placeholders.size}`;
      placeholders.set(name, found);
      names[found] = name;
    }
    return found;
  };
  const expression = fields.map((field) => field.split('.').map(placeholder).join('.')).join(', ');
  return { expression, names };
}

function notificationText(record: AuditRecord): string {
  const full = JSON.stringify(summary(record), null, 2);
  if (Buffer.byteLength(full) <= MAX_NOTIFICATION_BYTES) return full;
  const pointer = `too large for a notification: read audit record ${record.auditId}`;
  return JSON.stringify({ ...summary(record), before: pointer, after: pointer }, null, 2);
}

/** What the ops topic says: enough to act on, small enough for an email. */
export function summary(record: AuditRecord) {
  return {
    auditId: record.auditId,
    at: record.at,
    action: record.action,
    outcome: record.outcome,
    dryRun: record.dryRun,
    target: record.target,
    actor: record.actor,
    reason: record.reason,
    before: record.before,
    after: record.after,
    undo: record.undo,
    correlationId: record.correlationId,
    ...(record.approval ? { approval: record.approval } : {}),
    ...(record.breakGlass ? { breakGlass: record.breakGlass } : {}),
  };
}

/** The ledger of this deployment, from AUDIT_TABLE and OPS_TOPIC_ARN. */
export function auditLedgerFromEnv(env: NodeJS.ProcessEnv = process.env): AuditLedger {
  const topicArn = optionalEnv('OPS_TOPIC_ARN', env);
  return new AuditLedger({
    dynamo: dynamoDocumentClient(),
    sns: snsClient(),
    tableName: requireEnv('AUDIT_TABLE', env),
    ...(topicArn ? { topicArn } : {}),
  });
}
