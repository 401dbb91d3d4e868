// An in-memory Region for the kill switch and the fleet at scale: EventBridge Scheduler, Lambda and the audit
// table answered from memory after a simulated round trip — Scheduler and Lambda behind real SDK clients (a
// middleware answers in place of the network), the table behind the document client's send — so the actions'
// code, their pacing, the control-plane budget and the real AuditLedger (redaction, size guard, pages) run
// unchanged. moto is one Python process answering ~300 requests a second here: 10,000 schedules on it would
// measure moto.
//
// The answering middleware sits at the end of the `finalizeRequest` step, after the SDK's retry middleware,
// the fleet's budget (shared/fleet/budgeted.ts, just before signing) and signing: everything a client does
// before the network runs, and a retried attempt is answered (and counted) again. Clients are made here with a
// fixed Region and static credentials, so signing needs nothing from the environment.
//
// Faithful where the actions depend on it: GetSchedule answers the whole definition and its
// LastModificationDate, UpdateSchedule replaces the definition (fields not sent are gone) and stamps the time,
// ListSchedules pages by 100 with the listed state, GetScheduleGroup knows only the groups there are; Lambda as
// bench/memory-lambda.ts says; the table as bench/memory-table.ts says (400 KB items, sparse indexes, 1-MB
// query pages, conditional UpdateItem).
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AuditLedger } from '../shared/audit.js';
import { lambdaAnswers, type MemoryFunction } from './memory-lambda.js';
import { type Answer, awsError, type Item, tableAnswers } from './memory-table.js';

export type { MemoryFunction } from './memory-lambda.js';
export { memoryFunction } from './memory-lambda.js';

export interface MemoryRegion {
  scheduler: SchedulerClient;
  lambda: LambdaClient;
  /** A new Scheduler client over the same schedules (to wrap one without the others, e.g. in a budget). */
  newScheduler(): SchedulerClient;
  /** A new Lambda client over the same functions. */
  newLambda(): LambdaClient;
  /** `client` made to fail loudly on any call: for the clients an action takes but must not use here. */
  unanswered<C extends { middlewareStack: { add(...args: never[]): void }; destroy(): void }>(client: C): C;
  /** The audit table's document client (its `send` only). */
  dynamo: Pick<DynamoDBDocumentClient, 'send'>;
  ledger: AuditLedger;
  /** Schedules by name, of the group given to `memoryRegion` (empty when none was). */
  schedules: Map<string, Item>;
  /** Every group's schedules by name: a group exists when it is here. */
  groups: Map<string, Map<string, Item>>;
  /** Lambda functions by name. */
  functions: Map<string, MemoryFunction>;
  /** Audit table items by auditId. */
  table: Map<string, Item>;
  /** Requests answered, by command. */
  requests: Map<string, number>;
  destroy(): void;
}

const CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIAMEMORYREGION', secretAccessKey: 'memory-region' },
};

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Answers `client`'s commands from `answers` after `latencyMs`, counting them. */
function answerFromMemory<C extends { middlewareStack: { add(...args: never[]): void } }>(
  client: C,
  answers: Record<string, Answer>,
  latencyMs: number,
  requests: Map<string, number>,
): C {
  (client.middlewareStack.add as (...args: unknown[]) => void)(
    (_next: unknown, context: { commandName: string }) => async (args: { input: Item }) => {
      const answer = answers[context.commandName];
      if (!answer) throw new Error(`the in-memory Region does not answer ${context.commandName}`);
      requests.set(context.commandName, (requests.get(context.commandName) ?? 0) + 1);
      await wait(latencyMs);
      return {
        response: { statusCode: 200, headers: {} },
        output: { $metadata: { httpStatusCode: 200 }, ...(await answer(args.input)) },
      };
    },
    { step: 'finalizeRequest', priority: 'low', name: 'memoryRegion' },
  );
  return client;
}

function schedulerAnswers(groups: Map<string, Map<string, Item>>): Record<string, Answer> {
  const groupOf = (input: Item) => {
    const name = String(input.GroupName ?? 'default');
    const group = groups.get(name);
    if (!group) throw awsError('ResourceNotFoundException', `Schedule group ${name} does not exist.`);
    return { name, group };
  };
  const scheduleOf = (input: Item) => {
    const { group } = groupOf(input);
    const found = group.get(String(input.Name));
    if (!found) throw awsError('ResourceNotFoundException', `Schedule ${String(input.Name)} does not exist.`);
    return { group, found };
  };
  return {
    GetScheduleGroupCommand: (input) => {
      if (!groups.has(String(input.Name)))
        throw awsError('ResourceNotFoundException', `Schedule group ${String(input.Name)} does not exist.`);
      return { Name: input.Name, State: 'ACTIVE' };
    },
    ListSchedulesCommand: (input) => {
      // Without GroupName, every group's (as the API does); a missing group lists nothing.
      const names = input.GroupName === undefined ? [...groups.keys()] : [String(input.GroupName)];
      const all = names.flatMap((name) =>
        [...(groups.get(name)?.values() ?? [])].map((item): Item => ({ ...item, GroupName: name })),
      );
      const prefix = input.NamePrefix === undefined ? '' : String(input.NamePrefix);
      const listed = all.filter((item) => String(item.Name).startsWith(prefix));
      const start = Number(input.NextToken ?? 0);
      const size = Number(input.MaxResults ?? 100);
      return {
        Schedules: listed
          .slice(start, start + size)
          .map((item) => ({ Name: item.Name, GroupName: item.GroupName, State: item.State })),
        ...(start + size < listed.length ? { NextToken: String(start + size) } : {}),
      };
    },
    GetScheduleCommand: (input) => structuredClone(scheduleOf(input).found),
    UpdateScheduleCommand: (input) => {
      const { group, found } = scheduleOf(input);
      // UpdateSchedule replaces the definition: what is not sent is gone.
      const { ClientToken: _token, ...fields } = input;
      group.set(String(input.Name), {
        ...structuredClone(fields),
        Arn: found.Arn,
        CreationDate: found.CreationDate,
        LastModificationDate: new Date(),
      });
      return { ScheduleArn: found.Arn };
    },
  };
}

export function memoryRegion(options: {
  group?: string;
  latencyMs: number;
  tableName?: string;
}): MemoryRegion {
  const { latencyMs } = options;
  const tableName = options.tableName ?? 'audit';
  const groups = new Map<string, Map<string, Item>>();
  const schedules = new Map<string, Item>();
  if (options.group !== undefined) groups.set(options.group, schedules);
  const functions = new Map<string, MemoryFunction>();
  const table = new Map<string, Item>();
  const requests = new Map<string, number>();

  const clients: { destroy(): void }[] = [];
  const made = <C extends { destroy(): void }>(client: C): C => {
    clients.push(client);
    return client;
  };
  const ofScheduler = schedulerAnswers(groups);
  const ofLambda = lambdaAnswers(functions);
  const newScheduler = () =>
    made(answerFromMemory(new SchedulerClient(CLIENT_CONFIG), ofScheduler, latencyMs, requests));
  const newLambda = () =>
    made(answerFromMemory(new LambdaClient(CLIENT_CONFIG), ofLambda, latencyMs, requests));

  // The ledger's document client answered in place: its commands carry plain JavaScript values, which is what
  // the table keeps (the marshalling to attribute values is the SDK's, not the ledger's).
  const answers = tableAnswers(table);
  const dynamo = {
    async send(command: { constructor: { name: string }; input: Item }) {
      const name = command.constructor.name;
      const answer = answers[name];
      if (!answer) throw new Error(`the in-memory Region does not answer ${name}`);
      requests.set(name, (requests.get(name) ?? 0) + 1);
      await wait(latencyMs);
      return { $metadata: { httpStatusCode: 200 }, ...(await answer(command.input)) };
    },
  } as unknown as DynamoDBDocumentClient;
  const sns = made(new SNSClient(CLIENT_CONFIG));
  const ledger = new AuditLedger({ dynamo, sns, tableName });
  return {
    scheduler: newScheduler(),
    lambda: newLambda(),
    newScheduler,
    newLambda,
    unanswered: (client) => made(answerFromMemory(client, {}, latencyMs, requests)),
    dynamo,
    ledger,
    schedules,
    groups,
    functions,
    table,
    requests,
    destroy: () => {
      for (const client of clients) client.destroy();
    },
  };
}
