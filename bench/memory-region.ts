// An in-memory Region for the kill switch at scale: EventBridge Scheduler and the audit table answered from
// memory after a simulated round trip — Scheduler behind a real SDK client (a middleware answers in place of the
// network), the table behind the document client's send — so the kill switch's code, its pacing and the real
// AuditLedger (redaction, size guard, pages) run unchanged.
// moto is one Python process answering ~300 requests a second here: 10,000 schedules on it would measure moto.
//
// Faithful where the kill switch depends on it: GetSchedule answers the whole definition and its
// LastModificationDate, UpdateSchedule replaces the definition (fields not sent are gone) and stamps the time,
// ListSchedules pages by 100 with the listed state, and DynamoDB refuses an item over 400 KB as AWS does
// ("Item size has exceeded the maximum allowed size"), answers a Query on the byTarget and byAction indexes
// (only items that have the attribute, as a sparse index), newest first, in pages of at most 1 MB.
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AuditLedger } from '../shared/audit.js';

type Item = Record<string, unknown>;
const ITEM_LIMIT = 400 * 1024;
const QUERY_PAGE_BYTES = 1024 * 1024;

export interface MemoryRegion {
  scheduler: SchedulerClient;
  ledger: AuditLedger;
  /** Schedules by name (one group). */
  schedules: Map<string, Item>;
  /** Audit table items by auditId. */
  table: Map<string, Item>;
  /** Requests answered, by command. */
  requests: Map<string, number>;
  destroy(): void;
}

type Answer = (input: Item) => Item | Promise<Item>;

/** Answers `client`'s commands from `answers` after `latencyMs`, counting them. */
function answerFromMemory(
  client: { middlewareStack: { add(...args: never[]): void } },
  answers: Record<string, Answer>,
  latencyMs: number,
  requests: Map<string, number>,
) {
  (client.middlewareStack.add as (...args: unknown[]) => void)(
    (_next: unknown, context: { commandName: string }) => async (args: { input: Item }) => {
      const answer = answers[context.commandName];
      if (!answer) throw new Error(`the in-memory Region does not answer ${context.commandName}`);
      requests.set(context.commandName, (requests.get(context.commandName) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return { output: { $metadata: { httpStatusCode: 200 }, ...(await answer(args.input)) } };
    },
    { step: 'initialize', name: 'memoryRegion' },
  );
}

const awsError = (name: string, message: string) =>
  Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });

export function memoryRegion(options: {
  group: string;
  latencyMs: number;
  tableName?: string;
}): MemoryRegion {
  const { group, latencyMs } = options;
  const tableName = options.tableName ?? 'audit';
  const schedules = new Map<string, Item>();
  const table = new Map<string, Item>();
  const requests = new Map<string, number>();

  const scheduler = new SchedulerClient({});
  answerFromMemory(
    scheduler,
    {
      GetScheduleGroupCommand: (input) => ({ Name: input.Name, State: 'ACTIVE' }),
      ListSchedulesCommand: (input) => {
        const all = [...schedules.values()];
        const start = Number(input.NextToken ?? 0);
        const size = Number(input.MaxResults ?? 100);
        return {
          Schedules: all
            .slice(start, start + size)
            .map((item) => ({ Name: item.Name, GroupName: group, State: item.State })),
          ...(start + size < all.length ? { NextToken: String(start + size) } : {}),
        };
      },
      GetScheduleCommand: (input) => {
        const found = schedules.get(String(input.Name));
        if (!found)
          throw awsError('ResourceNotFoundException', `Schedule ${String(input.Name)} does not exist.`);
        return structuredClone(found);
      },
      UpdateScheduleCommand: (input) => {
        const found = schedules.get(String(input.Name));
        if (!found)
          throw awsError('ResourceNotFoundException', `Schedule ${String(input.Name)} does not exist.`);
        // UpdateSchedule replaces the definition: what is not sent is gone.
        const { ClientToken: _token, ...fields } = input;
        schedules.set(String(input.Name), {
          ...structuredClone(fields),
          Arn: found.Arn,
          CreationDate: found.CreationDate,
          LastModificationDate: new Date(),
        });
        return { ScheduleArn: found.Arn };
      },
    },
    latencyMs,
    requests,
  );

  // The ledger's document client answered in place: its commands carry plain JavaScript values, which is what
  // the table keeps (the marshalling to attribute values is the SDK's, not the ledger's).
  const answers: Record<string, Answer> = {
    PutCommand: (input) => {
      const item = structuredClone(input.Item as Item);
      const bytes = Buffer.byteLength(JSON.stringify(item));
      if (bytes > ITEM_LIMIT)
        throw awsError('ValidationException', 'Item size has exceeded the maximum allowed size');
      if (input.ConditionExpression && table.has(String(item.auditId))) {
        throw awsError('ConditionalCheckFailedException', 'The conditional request failed');
      }
      table.set(String(item.auditId), item);
      return {};
    },
    GetCommand: (input) => {
      const item = table.get(String((input.Key as Item).auditId));
      return item ? { Item: structuredClone(item) } : {};
    },
    QueryCommand: (input) => {
      const key = input.IndexName === 'byTarget' ? 'target' : 'action';
      const values = input.ExpressionAttributeValues as Item;
      const matching = [...table.values()]
        .filter(
          (item) =>
            item[key] === values[':v'] && (!values[':since'] || String(item.at) >= String(values[':since'])),
        )
        .sort(
          (a, b) =>
            String(b.at).localeCompare(String(a.at)) || String(b.auditId).localeCompare(String(a.auditId)),
        );
      const start = input.ExclusiveStartKey ? Number((input.ExclusiveStartKey as Item).position) : 0;
      const limit = Number(input.Limit ?? Number.POSITIVE_INFINITY);
      const Items: Item[] = [];
      let bytes = 0;
      let position = start;
      while (position < matching.length && Items.length < limit && bytes < QUERY_PAGE_BYTES) {
        const item = matching[position++] as Item;
        bytes += Buffer.byteLength(JSON.stringify(item));
        Items.push(structuredClone(item));
      }
      return { Items, ...(position < matching.length ? { LastEvaluatedKey: { position } } : {}) };
    },
  };
  const dynamo = {
    async send(command: { constructor: { name: string }; input: Item }) {
      const name = command.constructor.name;
      const answer = answers[name];
      if (!answer) throw new Error(`the in-memory Region does not answer ${name}`);
      requests.set(name, (requests.get(name) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return { $metadata: { httpStatusCode: 200 }, ...(await answer(command.input)) };
    },
    destroy: () => undefined,
  };
  const sns = new SNSClient({});
  const ledger = new AuditLedger({ dynamo: dynamo as unknown as DynamoDBDocumentClient, sns, tableName });
  return {
    scheduler,
    ledger,
    schedules,
    table,
    requests,
    destroy: () => {
      scheduler.destroy();
      dynamo.destroy();
      sns.destroy();
    },
  };
}
