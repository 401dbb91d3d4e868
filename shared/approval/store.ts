// The state of each approval request: one item of the audit table, `approval#<id>`, beside the request's own
// audit record (`<id>`, immutable, what was asked and its full plan). The votes and the outcome change, so
// they live here, each change a conditional update: two approvers voting at once are both counted, and only
// one of them carries the plan out. The item has no `action`, `target` or `at`, so the ledger's indexes never
// list it; every vote is also an audit record of its own (who, when, why).
//
// Beside it, while the request is open, `approval-open#<hash>` (open.ts) names it as THE request for that plan.
// The key is claimed first, by a conditional PutItem that succeeds only if no other request holds it (absent,
// freed, or past its deadline), so of two asks of the same thing at once one claims it and the other is handed
// the holder (ReturnValuesOnConditionCheckFailure: no GetItem, which the drainer's role does not have); then
// the state is written. Settling the request frees the key. PutItem only, so every role that may ask (each has
// dynamodb:PutItem on the table) needs nothing new. Not a transaction of the two: DynamoDB's would do, but
// moto restores a whole-table snapshot when one is cancelled, erasing a concurrent ask's claim, while its
// conditional PutItem holds under concurrent asks (README, moto's gaps).
// If the state cannot be written the key is freed again. A crash between the two writes (the Lambda timed out or
// died) leaves a key naming a request that does not exist: a later ask that finds such a key — claimed more than
// CLAIM_GRACE_MS ago — first marks that request as never written (a conditional put of its state, so the asker,
// were it only slow, can no longer write it), then takes the key over with a put conditional on its holder: of
// two takers one wins, and the other is answered with the winner's request. Without this every repeated ask
// got an approval id that does not exist, until the deadline (ApprovalTtlMinutes).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '../clients.js';
import { requireEnv } from '../env.js';
import { isAwsError, NotFoundError } from '../errors.js';
import { logger } from '../powertools.js';
import type { ApprovalStatus, VoteView } from './decide.js';

export interface ApprovalState extends VoteView {
  /** The action asked for (`dlq.drain`) and what it acts on (`queue:orders-dlq`). */
  forAction: string;
  forTarget: string;
  required: number;
  /** Why the request needs approval (a freeze window, a size, the deployment's policy). */
  needs: string[];
  /** Votes counted so far (approvals; a rejection settles the request). */
  votes: number;
  approvers: Record<string, { at: string; reason?: string }>;
  rejectedBy?: string;
  /** The audit record of the approved run, once carried out. */
  resultAuditId?: string;
  /** The run's answer as JSON, when carried out off the API call and small enough to keep (later.ts). */
  resultJson?: string;
  /** Why it failed, or why its queued run did nothing. */
  error?: string;
  /** Epoch seconds after which DynamoDB's TTL may remove the state (its audit records stay). */
  expiresAt: number;
  /** The key of the plan's open request (`approval-open#<hash>`): a repeated ask answers this request. */
  openKey?: string;
}

/** The open request a repeated ask is answered with, as its `approval-open#` item keeps it. */
export interface OpenRequest {
  approvalId: string;
  requester: string;
  needs: string[];
  required: number;
  deadline: string;
}

const keyOf = (approvalId: string) => ({ auditId: `approval#${approvalId}` });

/** Once a request is one of these, asking for its plan again makes a new request. */
const SETTLED: readonly ApprovalStatus[] = ['executed', 'rejected', 'stale', 'failed'];

export class ApprovalStore {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Records a new pending request. With an `openKey`, only if no other request for the same plan is open at
   * `at`: then nothing is written and that request is returned.
   */
  async create(state: ApprovalState, at: Date = new Date()): Promise<OpenRequest | undefined> {
    if (state.openKey) {
      const holder = await this.claim(state.openKey, state, at);
      if (holder) return holder;
    }
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keyOf(state.approvalId), ...state },
          ConditionExpression: 'attribute_not_exists(auditId)',
        }),
      );
    } catch (error) {
      if (state.openKey) await this.free(state.openKey, state, 'failed');
      throw error;
    }
    return undefined;
  }

  /**
   * Claims the plan's key for this request; the request that holds it instead, if one does. A holder claimed
   * more than CLAIM_GRACE_MS ago whose state was never written is taken over (once: `takeOver` false after).
   */
  private async claim(
    openKey: string,
    state: ApprovalState,
    at: Date,
    takeOver = true,
  ): Promise<OpenRequest | undefined> {
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: claimItem(openKey, state, at),
          ConditionExpression:
            'attribute_not_exists(auditId) OR attribute_not_exists(openUntil) OR openUntil <= :at',
          ExpressionAttributeValues: { ':at': at.toISOString() },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return undefined;
    } catch (error) {
      const found = isAwsError(error, 'ConditionalCheckFailedException') ? heldBy(error) : undefined;
      if (!found) throw error;
      if (takeOver && claimedBefore(found.item, at) && (await this.buryUnwritten(found.holder, found.item)))
        return this.takeOver(openKey, state, at, found.holder.approvalId);
      return found.holder;
    }
  }

  /**
   * Marks a request whose state was never written as failed, by writing that state: true if it was never written
   * (or another taker marked it so first), false if it exists — then it is the open request, as claimed.
   */
  private async buryUnwritten(holder: OpenRequest, item: Record<string, AttributeValue>): Promise<boolean> {
    const expiresAt = Number(item.expiresAt?.N ?? 0);
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(holder.approvalId),
            ...holder,
            status: 'failed',
            forAction: '',
            forTarget: '',
            votes: 0,
            approvers: {},
            neverWritten: 'the invocation that asked ended between claiming the plan and writing the request',
            ...(expiresAt ? { expiresAt } : {}),
          },
          ConditionExpression: 'attribute_not_exists(auditId) OR attribute_exists(neverWritten)',
        }),
      );
      logger.warn('took over the open-request key of an approval that was never written', {
        approvalId: holder.approvalId,
      });
      return true;
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException')) return false;
      throw error;
    }
  }

  /** Claims the key from `from`, a request never written; if another taker was first, its request answers. */
  private async takeOver(
    openKey: string,
    state: ApprovalState,
    at: Date,
    from: string,
  ): Promise<OpenRequest | undefined> {
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: claimItem(openKey, state, at),
          ConditionExpression: 'approvalId = :from',
          ExpressionAttributeValues: { ':from': from },
        }),
      );
      return undefined;
    } catch (error) {
      if (!isAwsError(error, 'ConditionalCheckFailedException')) throw error;
      // Another ask took it (or took it and settled already): claim as any ask does, without taking over again.
      return this.claim(openKey, state, at, false);
    }
  }

  /** The state, or a 404 naming `id` for an id nobody asked for. */
  async get(approvalId: string): Promise<ApprovalState> {
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: keyOf(approvalId), ConsistentRead: true }),
    );
    if (!Item) throw new NotFoundError(`no approval request ${approvalId}`, 'id');
    const { auditId: _key, ...state } = Item;
    return state as ApprovalState;
  }

  /**
   * Counts `principal`'s approval unless the request is no longer pending, has expired, or already has it.
   * The new state, or undefined when the condition failed (the caller re-reads to say why).
   */
  async approve(
    approvalId: string,
    principal: string,
    vote: { at: string; reason?: string },
  ): Promise<ApprovalState | undefined> {
    return this.update(approvalId, {
      UpdateExpression: 'SET approvers.#p = :vote ADD votes :one',
      ConditionExpression:
        '#status = :pending AND deadline > :at AND requester <> :p AND attribute_not_exists(approvers.#p)',
      ExpressionAttributeNames: { '#p': principal, '#status': 'status' },
      ExpressionAttributeValues: {
        ':vote': vote,
        ':one': 1,
        ':pending': 'pending',
        ':at': vote.at,
        ':p': principal,
      },
    });
  }

  /** Moves a request from one status to another, once: undefined when it was not in `from` any more. */
  async settle(
    approvalId: string,
    from: ApprovalStatus,
    to: ApprovalStatus,
    extra: Record<string, string> = {},
  ): Promise<ApprovalState | undefined> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':from': from, ':to': to };
    const sets = ['#status = :to'];
    for (const [field, value] of Object.entries(extra)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    const settled = await this.update(approvalId, {
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    if (settled?.openKey && SETTLED.includes(to)) await this.free(settled.openKey, settled, to);
    return settled;
  }

  /**
   * Frees the plan's open-request key, if this request still holds it (a newer one may, once this one expired):
   * a PutItem, which every role that asks or settles has. Best effort: the request is settled already and its
   * caller may have acted; a key left held only makes a repeated ask answer the settled request until its
   * deadline, so a failure is logged, not thrown.
   */
  private async free(
    openKey: string,
    state: Pick<ApprovalState, 'approvalId' | 'expiresAt'>,
    status: ApprovalStatus,
  ): Promise<void> {
    try {
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            auditId: openKey,
            approvalId: state.approvalId,
            closedAs: status,
            expiresAt: state.expiresAt,
          },
          ConditionExpression: 'approvalId = :id',
          ExpressionAttributeValues: { ':id': state.approvalId },
        }),
      );
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException')) return;
      logger.warn('could not free the open-request key of an approval', {
        approvalId: state.approvalId,
        openKey,
        error,
      });
    }
  }

  private async update(
    approvalId: string,
    expression: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
  ): Promise<ApprovalState | undefined> {
    try {
      const { Attributes } = await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(approvalId),
          ...expression,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const { auditId: _key, ...state } = Attributes ?? {};
      return state as ApprovalState;
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException')) return undefined;
      throw error;
    }
  }
}

/** How long after its claim a key naming a request that does not exist may be taken over by another ask. */
export const CLAIM_GRACE_MS = 60_000;

/** The `approval-open#` item claiming the plan's key for `state`. */
const claimItem = (openKey: string, state: ApprovalState, at: Date) => ({
  auditId: openKey,
  approvalId: state.approvalId,
  requester: state.requester,
  needs: state.needs,
  required: state.required,
  deadline: state.deadline,
  // Removed when the request is settled; past it, the request expired: either way the key is free.
  openUntil: state.deadline,
  // When it was claimed: a request not written CLAIM_GRACE_MS after it never will be (its asker ended).
  claimedAt: at.toISOString(),
  expiresAt: state.expiresAt,
});

/** Whether a held key was claimed more than CLAIM_GRACE_MS before `at` (a key without claimedAt never is). */
function claimedBefore(item: Record<string, AttributeValue>, at: Date): boolean {
  const claimed = Date.parse(item.claimedAt?.S ?? '');
  return !Number.isNaN(claimed) && at.getTime() - claimed >= CLAIM_GRACE_MS;
}

/** The request holding the key, as a failed claim hands it back (ReturnValuesOnConditionCheckFailure). */
function heldBy(error: unknown): { holder: OpenRequest; item: Record<string, AttributeValue> } | undefined {
  const item = (error as { Item?: Record<string, AttributeValue> }).Item;
  if (!item?.approvalId?.S) return undefined;
  // The error is not the document client's output: its item is in DynamoDB's own attribute form.
  const text = (value: AttributeValue | undefined) => value?.S ?? '';
  const holder = {
    approvalId: text(item.approvalId),
    requester: text(item.requester),
    needs: (item.needs?.L ?? []).map(text),
    required: Number(item.required?.N ?? 0),
    deadline: text(item.deadline),
  };
  return { holder, item };
}

/** The approvals of this deployment: in the audit table (AUDIT_TABLE). */
export const approvalStoreFromEnv = (env: NodeJS.ProcessEnv = process.env) =>
  new ApprovalStore(dynamoDocumentClient(), requireEnv('AUDIT_TABLE', env));
