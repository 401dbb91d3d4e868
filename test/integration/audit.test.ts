// The audit ledger against the emulator: the table as template.yaml declares it, the ops topic delivering
// to a subscribed queue, so what a person would receive is what the test reads.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { provisionStack } from '../../local/emulator/provision.js';
import { loadTemplate } from '../../local/template.js';
import { type AuditEntry, AuditLedger } from '../../shared/audit.js';
import { uniqueName } from '../support/names.js';
import { type OpsInbox, opsInbox } from '../support/ops-inbox.js';

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
const sns = new SNSClient({});
const sqs = new SQSClient({});

const leakedKey = 'AKIAIOSFODNN7EXAMPLE';

function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    action: 'rollback',
    actor: 'arn:aws:sts::123456789012:assumed-role/OnCall/alice',
    reason: 'v8 errors on every run',
    target: 'function:trading:live',
    request: { functionName: 'trading', alias: 'live', apiKey: 'vendor-secret-value' },
    before: { version: '8', note: `leaked ${leakedKey}` },
    after: { version: '7' },
    dryRun: false,
    outcome: 'succeeded',
    undo: 'runbook rollback --function trading --to-version 8 --reason "undo"',
    correlationId: 'req-1',
    ...overrides,
  };
}

describe('audit ledger (against the emulator)', () => {
  let tableName: string;
  let topicArn: string;
  let inbox: OpsInbox;

  beforeAll(async () => {
    const state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('audit'),
    });
    tableName = String(state.resources.AuditTable?.ref);
    topicArn = String(state.resources.OpsTopic?.ref);
    // A person's inbox, as a queue subscribed to the ops topic.
    inbox = await opsInbox({ sqs, sns }, topicArn);
  });

  it('records an action, reads it back by id, and keeps no secret', async () => {
    // Prepare
    const ledger = new AuditLedger({ dynamo, sns, tableName, topicArn });

    // Act
    const written = await ledger.record(entry());
    const read = await ledger.get(written.auditId);

    // Assess
    expect(written.notified).toBe(true);
    expect(read).toMatchObject({
      auditId: written.auditId,
      action: 'rollback',
      actor: 'arn:aws:sts::123456789012:assumed-role/OnCall/alice',
      reason: 'v8 errors on every run',
      after: { version: '7' },
      outcome: 'succeeded',
      undo: 'runbook rollback --function trading --to-version 8 --reason "undo"',
    });
    const stored = JSON.stringify(read);
    expect(stored).not.toContain('vendor-secret-value');
    expect(stored).not.toContain(leakedKey);
    expect(read?.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it('tells the ops topic what happened, with the undo command and without secrets', async () => {
    // Prepare
    const ledger = new AuditLedger({ dynamo, sns, tableName, topicArn });
    const written = await ledger.record(entry({ correlationId: 'req-notify' }));

    // Act
    const bodies = await inbox.read();

    // Assess
    const mine = bodies.find((body) => body.auditId === written.auditId);
    expect(mine).toMatchObject({ action: 'rollback', outcome: 'succeeded', target: 'function:trading:live' });
    expect(mine?.undo).toContain('runbook rollback');
    expect(JSON.stringify(bodies)).not.toContain('vendor-secret-value');
  });

  it('reaches a person’s email subscription (template.yaml’s filter policy) with actions, never with dry runs', async () => {
    // Prepare: a queue subscribed with OpsEmailSubscription's own filter policy stands in for the inbox
    const filterPolicy = loadTemplate().Resources.OpsEmailSubscription?.Properties?.FilterPolicy;
    expect(filterPolicy).toBeDefined();
    const person = await opsInbox({ sqs, sns }, topicArn, 'ops-email', filterPolicy);
    const ledger = new AuditLedger({ dynamo, sns, tableName, topicArn });

    // Act
    const planned = await ledger.record(entry({ dryRun: true, correlationId: 'req-dry' }));
    const acted = await ledger.record(entry({ correlationId: 'req-acted' }));

    // Assess: both are on the topic (the unfiltered inbox), only the action in the person's
    const everything = (await inbox.read()).map((body) => body.auditId);
    expect(everything).toEqual(expect.arrayContaining([planned.auditId, acted.auditId]));
    expect((await person.read()).map((body) => body.auditId)).toEqual([acted.auditId]);
  });

  it('writes one record when a retried invocation records the same audit id twice', async () => {
    const ledger = new AuditLedger({ dynamo, sns, tableName });
    const target = `function:${uniqueName('retry')}:live`;

    const first = await ledger.record(entry({ target }));
    await ledger.record(entry({ target, reason: 'the retry' }), first.auditId);

    const records = await ledger.list({ target });
    expect(records).toHaveLength(1);
    expect(records[0]?.reason).toBe('v8 errors on every run');
  });

  it('lists a target newest first, by action, since a time, and up to a limit', async () => {
    // Prepare: three records a minute apart
    const target = `function:${uniqueName('history')}:live`;
    const action = uniqueName('action');
    let minute = 0;
    const ledger = new AuditLedger({
      dynamo,
      sns,
      tableName,
      now: () => new Date(Date.UTC(2026, 10, 22, 3, minute++)),
    });
    const ids: string[] = [];
    for (const version of ['6', '7', '8'])
      ids.push((await ledger.record(entry({ target, action, after: { version } }))).auditId);

    // Act
    const all = await ledger.list({ target });
    const byAction = await ledger.list({ action });
    const recent = await ledger.list({ target }, { since: '2026-11-22T03:01:00.000Z' });
    const latest = await ledger.list({ target }, { limit: 1 });

    // Assess
    expect(all.map((record) => record.auditId)).toEqual([...ids].reverse());
    expect(byAction.map((record) => record.auditId)).toEqual([...ids].reverse());
    expect(recent.map((record) => record.after)).toEqual([{ version: '8' }, { version: '7' }]);
    expect(latest.map((record) => record.auditId)).toEqual([ids[2]]);
  });

  it('stores a record too long for one item in pages that DynamoDB accepts, and reads it back whole', async () => {
    // Prepare: a kill switch's disable record over 3,000 schedules with names as long as Scheduler allows,
    // as killswitch-scale.test.ts once wrote it here: ~400 KB of outcomes, past what one item holds.
    const target = `schedules:${uniqueName('scale')}`;
    const results = Array.from({ length: 3_000 }, (_, i) => ({
      group: 'payments-nightly',
      name: `payments-settlement-reconciliation-nightly-batch-${String(i).padStart(14, '0')}`,
      outcome: 'disabled',
      at: '2026-11-22T03:10:01.123Z',
    }));
    const ledger = new AuditLedger({ dynamo, sns, tableName });

    // Act
    const written = await ledger.record(
      entry({ action: 'schedules.disable', target, details: { restoreId: 'ks-scale', results } }),
    );
    const got = await ledger.get(written.auditId, { expand: true });
    const listed = await ledger.list({ target }, { expand: true });
    const pages = await dynamo.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(auditId, :key)',
        ExpressionAttributeValues: { ':key': `${written.auditId}#results#` },
      }),
    );

    // Assess: the outcomes went to pages, each under 400 KB, and come back in order wherever read.
    expect(pages.Items?.length).toBeGreaterThan(1);
    for (const item of pages.Items ?? [])
      expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(400 * 1024);
    expect(got?.details).toEqual({ restoreId: 'ks-scale', results });
    expect(listed.map((record) => record.details)).toEqual([{ restoreId: 'ks-scale', results }]);
  });

  it('keeps the record and reports notified:false when the ops topic cannot be reached', async () => {
    const ledger = new AuditLedger({
      dynamo,
      sns,
      tableName,
      topicArn: 'arn:aws:sns:us-east-1:123456789012:no-such-topic',
      logger: { warn: () => undefined, error: () => undefined },
    });

    const written = await ledger.record(entry({ correlationId: 'req-no-topic' }));

    expect(written.notified).toBe(false);
    expect(await ledger.get(written.auditId)).toMatchObject({ correlationId: 'req-no-topic' });
  });
});
