import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type AuditEntry,
  AuditLedger,
  type AuditRecord,
  AuditTooLargeError,
  auditLedgerFromEnv,
  newAuditId,
} from '../../shared/audit.js';
import { isPagedList, type PagedList } from '../../shared/audit-pages.js';
import { ConfigurationError } from '../../shared/errors.js';
import { REDACTED } from '../../shared/redact.js';
import { OPERATOR_ARN } from './support/events.js';
import { silentLogger } from './support/ledger.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const dynamo = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

const TABLE = 'lambda-runbook-AuditTable-1XYZ';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:lambda-runbook-ops';
const NOW = new Date('2026-11-22T15:45:01.123Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);
const DAY = 86_400;
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';

const rollback: AuditEntry = {
  action: 'rollback',
  actor: OPERATOR_ARN,
  reason: 'errors after the deploy of version 8',
  target: 'function:trading:live',
  request: { toVersion: '7', dryRun: false, apiKey: 'k-live-0123456789' },
  before: { version: '8', routing: { '7': 0.1 }, environment: { DB_PASSWORD: 'hunter2', STAGE: 'prod' } },
  after: { version: '7', routing: {}, note: `deployed by ${ACCESS_KEY_ID}` },
  dryRun: false,
  outcome: 'succeeded',
  undo: 'runbook rollback --function trading --alias live --to-version 8',
  correlationId: 'Yx2AbCdEfGhIjK=',
};

const redactedRollback = {
  ...rollback,
  request: { toVersion: '7', dryRun: false, apiKey: REDACTED },
  before: { version: '8', routing: { '7': 0.1 }, environment: { DB_PASSWORD: REDACTED, STAGE: 'prod' } },
  after: { version: '7', routing: {}, note: `deployed by ${REDACTED}` },
};

function ledger(overrides: Partial<ConstructorParameters<typeof AuditLedger>[0]> = {}) {
  return new AuditLedger({
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    sns: new SNSClient({}),
    tableName: TABLE,
    topicArn: TOPIC,
    now: () => NOW,
    logger: silentLogger(),
    ...overrides,
  });
}

function sentItem(): Record<string, unknown> {
  const item = dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item;
  if (!item) throw new Error('expected one PutCommand');
  return item;
}

describe('AuditLedger.record', () => {
  beforeEach(() => {
    dynamo.reset();
    sns.reset();
    dynamo.on(PutCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'b5a1c6d2-0000-4000-8000-000000000001' });
  });

  it('writes one item, only if its auditId is new, with secrets removed and an expiry', async () => {
    // Act
    await ledger().record(rollback, '20261122T154501123Z-3fa9c2d1');

    // Assess
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: {
        ...redactedRollback,
        auditId: '20261122T154501123Z-3fa9c2d1',
        at: '2026-11-22T15:45:01.123Z',
        expiresAt: NOW_SECONDS + 400 * DAY,
      },
      ConditionExpression: 'attribute_not_exists(auditId)',
    });
    expect(JSON.stringify(sentItem())).not.toMatch(/hunter2|k-live-0123456789|AKIA/);
  });

  it('announces the record on the ops topic and says so', async () => {
    // Act
    const record = await ledger().record(rollback, '20261122T154501123Z-3fa9c2d1');

    // Assess
    const publish = sns.commandCalls(PublishCommand);
    expect(publish).toHaveLength(1);
    const input = publish[0]?.args[0].input;
    expect(input).toEqual({
      TopicArn: TOPIC,
      Subject: '[lambda-runbook] rollback succeeded: function:trading:live',
      Message: expect.any(String),
      MessageAttributes: {
        action: { DataType: 'String', StringValue: 'rollback' },
        outcome: { DataType: 'String', StringValue: 'succeeded' },
        dryRun: { DataType: 'String', StringValue: 'false' },
      },
    });
    expect(JSON.parse(input?.Message ?? '')).toEqual({
      auditId: '20261122T154501123Z-3fa9c2d1',
      at: '2026-11-22T15:45:01.123Z',
      action: 'rollback',
      outcome: 'succeeded',
      dryRun: false,
      target: 'function:trading:live',
      actor: OPERATOR_ARN,
      reason: 'errors after the deploy of version 8',
      before: redactedRollback.before,
      after: redactedRollback.after,
      undo: 'runbook rollback --function trading --alias live --to-version 8',
      correlationId: 'Yx2AbCdEfGhIjK=',
    });
    expect(record).toEqual({ ...sentItem(), notified: true });
  });

  it('gives a record without an auditId a sortable one of its time', async () => {
    // Act
    const record = await ledger().record(rollback);

    // Assess
    expect(record.auditId).toMatch(/^20261122T154501123Z-[0-9a-f]{8}$/);
    expect(sentItem().auditId).toBe(record.auditId);
  });

  it('keeps records for the retention it is given', async () => {
    // Act
    const record = await ledger({ retentionDays: 30 }).record(rollback);

    // Assess
    expect(record.expiresAt).toBe(NOW_SECONDS + 30 * DAY);
    expect(sentItem().expiresAt).toBe(NOW_SECONDS + 30 * DAY);
  });

  it('redacts details when there are some, and stores no details key when there are none', async () => {
    // Act
    await ledger().record({ ...rollback, details: { chosen: '7', token: 'abc' } }, 'with-details');
    await ledger().record(rollback, 'without-details');

    // Assess
    const [withDetails, withoutDetails] = dynamo
      .commandCalls(PutCommand)
      .map((call) => call.args[0].input.Item);
    expect(withDetails?.details).toEqual({ chosen: '7', token: REDACTED });
    expect(withoutDetails).not.toHaveProperty('details');
  });

  it('marks a dry run in the subject', async () => {
    // Act
    await ledger().record({ ...rollback, dryRun: true, outcome: 'planned' });

    // Assess
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toBe(
      '[lambda-runbook] rollback planned (dry run): function:trading:live',
    );
  });

  it('keeps the subject within 100 printable ASCII characters, as SNS requires', async () => {
    // Prepare
    const target = `function:trading-${'é'.repeat(5)}\n${'x'.repeat(120)}`;

    // Act
    await ledger().record({ ...rollback, target });

    // Assess
    const subject = sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject ?? '';
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.startsWith('[lambda-runbook] rollback succeeded: function:trading-?????')).toBe(true);
  });

  it('tolerates finding its item already written by an earlier attempt of the same invocation', async () => {
    // Prepare
    dynamo
      .on(PutCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    // Act
    const record = await ledger().record(rollback, '20261122T154501123Z-3fa9c2d1');

    // Assess
    expect(record).toMatchObject({ auditId: '20261122T154501123Z-3fa9c2d1', notified: true });
  });

  it('fails, and tells nobody, when the item cannot be written', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
      name: 'ProvisionedThroughputExceededException',
    });
    dynamo.on(PutCommand).rejects(throttled);

    // Act
    const attempt = ledger().record(rollback);

    // Assess
    await expect(attempt).rejects.toThrow('Rate of requests exceeds the allowed throughput');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('keeps the record and reports notified: false when the notification fails', async () => {
    // Prepare
    const logger = silentLogger();
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' }));

    // Act
    const record = await ledger({ logger }).record(rollback, '20261122T154501123Z-3fa9c2d1');

    // Assess
    expect(record).toEqual({ ...sentItem(), notified: false });
    expect(logger.error).toHaveBeenCalledWith(
      'ops notification failed; the audit record stands',
      expect.objectContaining({ auditId: '20261122T154501123Z-3fa9c2d1' }),
    );
  });

  it('keeps the record without telling anyone when there is no ops topic', async () => {
    // Act
    const record = await ledger({ topicArn: undefined }).record(rollback);

    // Assess
    expect(record.notified).toBe(false);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);
    expect(sns.calls()).toHaveLength(0);
  });

  it('refuses a record too large for DynamoDB and sends nothing at all', async () => {
    // Prepare
    const huge = {
      ...rollback,
      after: { functions: Array.from({ length: 4000 }, (_, i) => `function-${i}-${'x'.repeat(90)}`) },
    };

    // Act
    const attempt = ledger().record(huge);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(AuditTooLargeError);
    await expect(attempt).rejects.toMatchObject({ statusCode: 500, expose: false, code: 'AuditTooLarge' });
    expect(dynamo.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });
});

describe('AuditLedger.list', () => {
  const item = (n: number): AuditRecord => ({
    ...redactedRollback,
    auditId: `2026112${n}T000000000Z-0000000${n}`,
    at: `2026-11-2${n}T00:00:00.000Z`,
    expiresAt: NOW_SECONDS,
  });

  beforeEach(() => {
    dynamo.reset();
    sns.reset();
  });

  it("queries the target's index newest first and follows every page", async () => {
    // Prepare
    const lastKey = { auditId: item(2).auditId, target: 'function:trading:live', at: item(2).at };
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(3), item(2)], LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [item(1)] });

    // Act
    const records = await ledger().list({ target: 'function:trading:live' });

    // Assess
    expect(records.map((record) => record.auditId)).toEqual([
      item(3).auditId,
      item(2).auditId,
      item(1).auditId,
    ]);
    const inputs = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      {
        TableName: TABLE,
        IndexName: 'byTarget',
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': 'target' },
        ExpressionAttributeValues: { ':v': 'function:trading:live' },
        ScanIndexForward: false,
        Limit: 50,
        ExclusiveStartKey: undefined,
      },
      {
        TableName: TABLE,
        IndexName: 'byTarget',
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': 'target' },
        ExpressionAttributeValues: { ':v': 'function:trading:live' },
        ScanIndexForward: false,
        Limit: 48,
        ExclusiveStartKey: lastKey,
      },
    ]);
  });

  it("queries the action's index from a given time", async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [item(3)] });

    // Act
    await ledger().list({ action: 'rollback' }, { since: '2026-11-01T00:00:00.000Z', limit: 10 });

    // Assess
    expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      IndexName: 'byAction',
      KeyConditionExpression: '#k = :v AND #at >= :since',
      ExpressionAttributeNames: { '#k': 'action', '#at': 'at' },
      ExpressionAttributeValues: { ':v': 'rollback', ':since': '2026-11-01T00:00:00.000Z' },
      ScanIndexForward: false,
      Limit: 10,
    });
  });

  it('reads back only the fields asked for, every name a placeholder (at, action, before are reserved words)', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [] });

    // Act
    await ledger().list(
      { target: 'function:trading:live' },
      {
        since: '2026-11-01T00:00:00.000Z',
        limit: 5,
        fields: ['at', 'action', 'before.version', 'after.version'],
      },
    );

    // Assess
    expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      IndexName: 'byTarget',
      KeyConditionExpression: '#k = :v AND #at >= :since',
      ExpressionAttributeNames: {
        '#k': 'target',
        '#at': 'at',
        '#f0': 'at',
        '#f1': 'action',
        '#f2': 'before',
        '#f3': 'version',
        '#f4': 'after',
      },
      ExpressionAttributeValues: { ':v': 'function:trading:live', ':since': '2026-11-01T00:00:00.000Z' },
      ProjectionExpression: '#f0, #f1, #f2.#f3, #f4.#f3',
      ScanIndexForward: false,
      Limit: 5,
    });
  });

  it('stops reading pages once it has as many records as asked for', async () => {
    // Prepare
    const lastKey = { auditId: 'k', target: 't', at: 'a' };
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(3), item(2)], LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [item(1)], LastEvaluatedKey: lastKey })
      .resolves({ Items: [item(1)] });

    // Act
    const records = await ledger().list({ target: 't' }, { limit: 3 });

    // Assess
    expect(records).toHaveLength(3);
    expect(dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input.Limit)).toEqual([3, 1]);
  });

  it('leaves dry runs out when asked, reading on past them, and reads at most ten times the limit', async () => {
    // Prepare: every page all dry runs (DynamoDB filtered them out: no Items, ScannedCount what it read).
    const lastKey = { auditId: 'k', target: 't', at: 'a' };
    dynamo.on(QueryCommand).resolves({ Items: [], Count: 0, ScannedCount: 2, LastEvaluatedKey: lastKey });

    // Act
    const records = await ledger().list({ target: 't' }, { limit: 2, excludeDryRuns: true });

    // Assess: the filter sent, and 10 pages of 2 read before it gave up (DRY_RUN_READ_FACTOR × limit).
    expect(records).toEqual([]);
    const inputs = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(10);
    expect(inputs[0]).toEqual({
      TableName: TABLE,
      IndexName: 'byTarget',
      KeyConditionExpression: '#k = :v',
      FilterExpression: 'attribute_not_exists(#dryRun) OR #dryRun <> :dryRun',
      ExpressionAttributeNames: { '#k': 'target', '#dryRun': 'dryRun' },
      ExpressionAttributeValues: { ':v': 't', ':dryRun': true },
      ScanIndexForward: false,
      Limit: 2,
      ExclusiveStartKey: undefined,
    });
  });

  it('returns the done records found past a page of dry runs', async () => {
    // Prepare
    const lastKey = { auditId: 'k', target: 't', at: 'a' };
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [], Count: 0, ScannedCount: 3, LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [item(2), item(1)], Count: 2, ScannedCount: 3, LastEvaluatedKey: lastKey })
      .resolves({ Items: [item(1)] });

    // Act
    const records = await ledger().list({ target: 't' }, { limit: 3, excludeDryRuns: true });

    // Assess
    expect(records.map((record) => record.auditId)).toEqual([
      item(2).auditId,
      item(1).auditId,
      item(1).auditId,
    ]);
    expect(dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input.Limit)).toEqual([3, 3, 1]);
  });

  it('answers an empty list when nothing was recorded', async () => {
    // Prepare
    dynamo.on(QueryCommand).resolves({ Items: [] });

    // Act & Assess
    await expect(ledger().list({ target: 'function:nothing:live' })).resolves.toEqual([]);
  });
});

describe('AuditLedger.get', () => {
  beforeEach(() => {
    dynamo.reset();
  });

  it('reads one record, consistently, by its auditId', async () => {
    // Prepare
    const stored = { ...redactedRollback, auditId: 'a-1', at: NOW.toISOString(), expiresAt: NOW_SECONDS };
    dynamo.on(GetCommand).resolves({ Item: stored });

    // Act
    const record = await ledger().get('a-1');

    // Assess
    expect(record).toEqual(stored);
    expect(dynamo.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { auditId: 'a-1' },
      ConsistentRead: true,
    });
  });

  it('answers undefined for an auditId it does not hold', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});

    // Act & Assess
    await expect(ledger().get('missing')).resolves.toBeUndefined();
  });
});

describe('AuditLedger: lists too large for one item', () => {
  /** The table in memory: PutCommand stores, GetCommand reads, by auditId. */
  function table() {
    const items = new Map<string, Record<string, unknown>>();
    dynamo.reset();
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'b5a1c6d2-0000-4000-8000-000000000001' });
    dynamo.on(PutCommand).callsFake((input: { Item: Record<string, unknown> }) => {
      items.set(String(input.Item.auditId), structuredClone(input.Item));
      return {};
    });
    dynamo
      .on(GetCommand)
      .callsFake((input: { Key: { auditId: string } }) => ({ Item: items.get(input.Key.auditId) }));
    return items;
  }
  // 10,000 outcomes of about 120 bytes: 1.2 MB, three times what one DynamoDB item holds.
  const outcomes = Array.from({ length: 10_000 }, (_, i) => ({
    group: 'trading',
    name: `job-${String(i).padStart(5, '0')}`,
    outcome: 'failed',
    error: 'AccessDeniedException: not authorized to perform scheduler:UpdateSchedule',
  }));
  const large: AuditEntry = {
    ...rollback,
    action: 'schedules.disable',
    details: { restoreId: 'ks-1', results: outcomes },
  };

  it('moves a long list of details into pages, writes them before the record, and keeps every item under 400 KB', async () => {
    // Prepare
    const items = table();

    // Act
    const record = await ledger().record(large, 'audit-1');

    // Assess
    const puts = dynamo
      .commandCalls(PutCommand)
      .map((call) => call.args[0].input.Item as Record<string, unknown>);
    expect(puts.at(-1)?.auditId).toBe('audit-1');
    expect(puts.length).toBeGreaterThan(2);
    for (const item of items.values())
      expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(400 * 1024);
    const pointer = (record.details as { results: PagedList }).results;
    expect(pointer).toEqual({ paged: true, count: 10_000, pages: puts.length - 1, key: 'audit-1#results' });
    // Pages carry no target or action: the sparse indexes never list them as records.
    for (const page of puts.slice(0, -1)) {
      expect(page.auditId).toMatch(/^audit-1#results#\d+$/);
      expect(page).not.toHaveProperty('target');
      expect(page).not.toHaveProperty('action');
    }
    expect(record.notified).toBe(true);
  });

  it('reads the pages back in place, in order, with get or list and expand', async () => {
    // Prepare
    const items = table();
    await ledger().record(large, 'audit-1');
    dynamo.on(QueryCommand).resolves({ Items: [items.get('audit-1') as Record<string, unknown>] });

    // Act
    const got = await ledger().get('audit-1', { expand: true });
    const listed = await ledger().list({ target: rollback.target }, { expand: true });
    const unexpanded = await ledger().get('audit-1');

    // Assess
    expect(got?.details).toEqual({ restoreId: 'ks-1', results: outcomes });
    expect(listed[0]?.details).toEqual({ restoreId: 'ks-1', results: outcomes });
    expect(isPagedList((unexpanded?.details as { results?: unknown } | undefined)?.results)).toBe(true);
    // A page is not a record.
    await expect(ledger().get('audit-1#results#0')).resolves.toBeUndefined();
  });

  it('leaves a record that fits as it is: no pages', async () => {
    // Prepare
    table();

    // Act
    const record = await ledger().record(
      { ...large, details: { results: outcomes.slice(0, 100) } },
      'audit-2',
    );

    // Assess
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);
    expect((record.details as { results: unknown[] }).results).toHaveLength(100);
  });
});

describe('newAuditId', () => {
  it('starts with the compact time, so ids sort by time, and ends with random hex', () => {
    // Act
    const ids = [newAuditId(NOW), newAuditId(NOW)];

    // Assess
    for (const id of ids) expect(id).toMatch(/^20261122T154501123Z-[0-9a-f]{8}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(newAuditId(new Date('2026-11-22T15:45:01.124Z')) > (ids[0] ?? '')).toBe(true);
  });
});

describe('auditLedgerFromEnv', () => {
  beforeEach(() => {
    dynamo.reset();
    sns.reset();
    dynamo.on(PutCommand).resolves({});
  });

  it('fails loudly, naming AUDIT_TABLE, when the table is not configured', () => {
    // Act
    const attempt = () => auditLedgerFromEnv({ OPS_TOPIC_ARN: TOPIC });

    // Assess
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow('AUDIT_TABLE');
  });

  it('writes to AUDIT_TABLE and, with an empty OPS_TOPIC_ARN, tells nobody', async () => {
    // Act
    const record = await auditLedgerFromEnv({ AUDIT_TABLE: TABLE, OPS_TOPIC_ARN: '' }).record(rollback);

    // Assess
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input.TableName).toBe(TABLE);
    expect(record.notified).toBe(false);
    expect(sns.calls()).toHaveLength(0);
  });
});
