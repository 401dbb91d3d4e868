// The one-request-per-plan key of the approval store against moto's DynamoDB: an ask whose invocation ended
// between claiming the plan's key and writing its request (a timeout, a crash) must not leave every later ask
// answered with an approval id that does not exist until the deadline. After CLAIM_GRACE_MS a later ask marks
// that request as never written and takes the key over, conditionally: of two takers, one wins.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApprovalState, ApprovalStore, CLAIM_GRACE_MS } from '../../shared/approval/store.js';
import { uniqueName } from '../support/names.js';

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/OnCall/bob';
const T0 = new Date('2026-11-22T03:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

const stateOf = (approvalId: string, openKey: string, requester = ALICE): ApprovalState => ({
  approvalId,
  status: 'pending',
  forAction: 'dlq.drain',
  forTarget: 'queue:orders-dlq',
  requester,
  required: 2,
  needs: ['a drain of up to 3 messages is above ApprovalDrainAbove (2)'],
  deadline: '2026-11-22T03:30:00.000Z',
  votes: 0,
  approvers: {},
  expiresAt: 1_795_402_800,
  openKey,
});

describe('ApprovalStore: a plan key whose request was never written (against moto)', () => {
  let tableName: string;
  let store: ApprovalStore;

  /** An ask whose invocation ends after claiming the key: every call after the claim fails, nothing is freed. */
  async function askThatDies(approvalId: string, openKey: string) {
    let calls = 0;
    const dying = {
      send: (command: Parameters<typeof dynamo.send>[0]) =>
        calls++ === 0
          ? dynamo.send(command)
          : Promise.reject(new Error('Task timed out after 30.00 seconds')),
    } as unknown as DynamoDBDocumentClient;
    await expect(
      new ApprovalStore(dying, tableName).create(stateOf(approvalId, openKey), T0),
    ).rejects.toThrow(/timed out/);
  }

  const item = async (auditId: string) =>
    (await dynamo.send(new GetCommand({ TableName: tableName, Key: { auditId }, ConsistentRead: true })))
      .Item;

  beforeAll(async () => {
    tableName = uniqueName('approval-store');
    await dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'auditId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'auditId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    store = new ApprovalStore(dynamo, tableName);
  });

  it('answers the claimed id within the grace, then lets a later ask take the key over and marks the lost request never written', async () => {
    // Prepare
    const key = `approval-open#${uniqueName('lost')}`;
    await askThatDies('lost', key);

    // Act
    const soon = await store.create(stateOf('soon', key, BOB), at(CLAIM_GRACE_MS - 1_000));
    const later = await store.create(stateOf('later', key, BOB), at(CLAIM_GRACE_MS + 1_000));
    const again = await store.create(stateOf('again', key), at(CLAIM_GRACE_MS + 2_000));

    // Assess
    expect(soon).toMatchObject({ approvalId: 'lost' });
    expect(later).toBeUndefined();
    expect(again).toMatchObject({ approvalId: 'later', requester: BOB });
    expect(await item(key)).toMatchObject({ approvalId: 'later' });
    expect(await store.get('later')).toMatchObject({ status: 'pending', requester: BOB });
    expect(await store.get('lost')).toMatchObject({ status: 'failed', neverWritten: expect.any(String) });
    expect(await item('approval#soon')).toBeUndefined();
  });

  it('never takes over the key of a request that exists, however old its claim', async () => {
    // Prepare
    const key = `approval-open#${uniqueName('kept')}`;
    expect(await store.create(stateOf('kept', key), T0)).toBeUndefined();

    // Act
    const repeated = await store.create(stateOf('repeat', key, BOB), at(10 * CLAIM_GRACE_MS));

    // Assess
    expect(repeated).toMatchObject({ approvalId: 'kept' });
    expect(await store.get('kept')).toMatchObject({ status: 'pending', requester: ALICE });
    expect(await item(key)).toMatchObject({ approvalId: 'kept' });
  });

  it('lets one of two asks at once take the key over; the other is answered with the winner', async () => {
    // Prepare
    const key = `approval-open#${uniqueName('race')}`;
    await askThatDies('gone', key);

    // Act
    const answers = await Promise.all(
      ['taker-1', 'taker-2', 'taker-3'].map((id) =>
        store.create(stateOf(id, key, BOB), at(2 * CLAIM_GRACE_MS)),
      ),
    );

    // Assess
    const winners = answers.filter((answer) => answer === undefined);
    expect(winners).toHaveLength(1);
    const holder = (await item(key))?.approvalId;
    expect(['taker-1', 'taker-2', 'taker-3']).toContain(holder);
    for (const answer of answers) if (answer) expect(answer.approvalId).toBe(holder);
  });

  it('refuses the slow asker’s late write once its request was taken over, leaving the new holder’s key', async () => {
    // Prepare: the first ask claimed, then stalled past the grace; a later ask took the key over
    const key = `approval-open#${uniqueName('slow')}`;
    await askThatDies('slow', key);
    expect(await store.create(stateOf('newer', key, BOB), at(2 * CLAIM_GRACE_MS))).toBeUndefined();

    // Act: the slow one wakes and writes its request as create does
    const late = store.create({ ...stateOf('slow', key), openKey: undefined } as ApprovalState, T0);

    // Assess
    await expect(late).rejects.toThrow();
    expect(await store.get('slow')).toMatchObject({ status: 'failed' });
    expect(await item(key)).toMatchObject({ approvalId: 'newer' });
  });
});
