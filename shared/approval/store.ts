// The state of each approval request: one item of the audit table, `approval#<id>`, beside the request's own
// audit record (`<id>`, immutable, what was asked and its full plan). The votes and the outcome change, so
// they live here, each change a conditional update: two approvers voting at once are both counted, and only
// one of them carries the plan out. The item has no `action`, `target` or `at`, so the ledger's indexes never
// list it; every vote is also an audit record of its own (who, when, why).
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '../clients.js';
import { requireEnv } from '../env.js';
import { isAwsError, NotFoundError } from '../errors.js';
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
  /** Epoch seconds after which DynamoDB's TTL may remove the state (its audit records stay). */
  expiresAt: number;
}

const keyOf = (approvalId: string) => ({ auditId: `approval#${approvalId}` });

export class ApprovalStore {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(state: ApprovalState): Promise<void> {
    await this.dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keyOf(state.approvalId), ...state },
        ConditionExpression: 'attribute_not_exists(auditId)',
      }),
    );
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
    return this.update(approvalId, {
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
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

/** The approvals of this deployment: in the audit table (AUDIT_TABLE). */
export const approvalStoreFromEnv = (env: NodeJS.ProcessEnv = process.env) =>
  new ApprovalStore(dynamoDocumentClient(), requireEnv('AUDIT_TABLE', env));
