// The watch list: every workload this runbook may act on, and the member accounts it may act in.
//
// Declared in two ways, merged here:
//  - a checked-in file (`watchlist.json` at the repository root, bundled into the fleet function at build time,
//    or given inline as WATCH_LIST): reviewed in a pull request like any other change to what on-call may touch,
//    and the only place that can name what has no tags of its own (a schedule in a shared group, a DLQ's
//    sources, alarm names);
//  - discovery by tag (`runbook:watch=<workload name>` on the function, found with the Resource Groups Tagging
//    API): a new function joins the fleet by being tagged, without a runbook deploy, and the same tag is what
//    the IAM policy's conditions key on (docs/IAM_POLICIES.md), so what is watched and what may be touched agree.
// The stack's own parameters (WATCHED_FUNCTION, SCHEDULE_GROUPS, DLQ_QUEUES…) stay the default workload, so a
// deployment that never writes a watch list keeps working as before.
import * as z from 'zod';
import { arnHintedSchema, functionNameSchema, queueNameInArn, schedulerNameSchema } from '../arn.js';
import { listSetting, optionalSetting } from '../env.js';
import { ValidationError } from '../errors.js';
import { describeIssue } from '../validate.js';
import {
  ACCOUNT_ID,
  ALIAS_NAME,
  type MemberAccount,
  ROLE_ARN,
  type WatchList,
  WORKLOAD_NAME,
  type Workload,
} from './workload.js';

// Lambda's, Scheduler's and SQS's own naming rules.
const GROUP_NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}(\.fifo)?$/;
const ALARM = /^[^\s*][^*]{0,254}\*?$/;
/** The most workloads one watch list may hold: every answer and record about them stays bounded. */
export const MAX_WORKLOADS = 5000;

const list = <T extends z.ZodType>(item: T) => z.array(item).max(1000).default([]);

const workloadSchema = z.strictObject({
  name: z
    .string()
    .regex(WORKLOAD_NAME, 'expected a workload name: lowercase letters, digits and -, at most 63'),
  account: z.string().regex(ACCOUNT_ID, 'expected a 12-digit account id').optional(),
  functionName: functionNameSchema(),
  alias: z.string().regex(ALIAS_NAME, 'expected an alias name such as "live"').default('live'),
  scheduleGroups: list(schedulerNameSchema(GROUP_NAME, 'expected a schedule group name')),
  schedules: list(
    z.strictObject({
      group: schedulerNameSchema(GROUP_NAME, 'expected a schedule group name'),
      name: schedulerNameSchema(GROUP_NAME, 'expected a schedule name'),
    }),
  ),
  dlqs: list(
    z.strictObject({
      queue: arnHintedSchema(
        (value) => QUEUE_NAME.test(value),
        queueNameInArn,
        (named) =>
          named ? `expected a queue name, not its ARN: ${named}` : 'expected a queue name (not a URL)',
      ),
      sources: list(z.string().regex(QUEUE_NAME, 'expected a queue name (not a URL)')),
    }),
  ),
  alarms: list(z.string().regex(ALARM, 'expected an alarm name, or a prefix ending in *')),
  killSwitchAlarms: list(z.string().min(1).max(255)),
  codeDeploy: z
    .strictObject({
      application: z.string().min(1).max(100),
      groups: list(z.string().min(1).max(100)),
    })
    .optional(),
  tags: z.record(z.string().min(1).max(128), z.string().max(256)).default({}),
});

const fileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    accounts: z
      .array(
        z.strictObject({
          id: z.string().regex(ACCOUNT_ID, 'expected a 12-digit account id'),
          name: z.string().min(1).max(64).optional(),
          roleArn: z.string().regex(ROLE_ARN, 'expected an IAM role ARN'),
        }),
      )
      .max(1000)
      .default([]),
    workloads: z.array(workloadSchema).max(MAX_WORKLOADS).default([]),
  })
  .superRefine((file, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    const accounts = new Set<string>();
    file.accounts.forEach((account, index) => {
      if (accounts.has(account.id)) issue(['accounts', index, 'id'], `account ${account.id} is listed twice`);
      accounts.add(account.id);
      const inArn = ROLE_ARN.exec(account.roleArn)?.[1];
      if (inArn !== account.id)
        issue(['accounts', index, 'roleArn'], `the role is in account ${inArn}, not ${account.id}`);
    });
    // Each of these belongs to one workload: two workloads claiming one would make an action on either act on
    // both (or a DLQ drain redrive to the wrong sources). The message names both, by name and place.
    const names = new Map<string, number>();
    const aliases = new Map<string, number>();
    const queues = new Map<string, number>();
    const owner = (index: number) => `workload ${file.workloads[index]?.name ?? '?'} (workloads.${index})`;
    file.workloads.forEach((workload, index) => {
      const named = names.get(workload.name);
      if (named !== undefined)
        issue(
          ['workloads', index, 'name'],
          `workload ${workload.name} is declared twice (workloads.${named} and workloads.${index})`,
        );
      else names.set(workload.name, index);
      const key = `${workload.account ?? 'self'}:${workload.functionName}:${workload.alias}`;
      const aliased = aliases.get(key);
      if (aliased !== undefined)
        issue(
          ['workloads', index, 'functionName'],
          `${workload.functionName}:${workload.alias} is already ${owner(aliased)}: workload ${workload.name} cannot watch it too`,
        );
      else aliases.set(key, index);
      workload.dlqs.forEach((dlq, at) => {
        const queue = `${workload.account ?? 'self'}:${dlq.queue}`;
        const held = queues.get(queue);
        if (held !== undefined && held !== index)
          issue(
            ['workloads', index, 'dlqs', at, 'queue'],
            `${dlq.queue} is already a DLQ of ${owner(held)}: workload ${workload.name} cannot list it too`,
          );
        else queues.set(queue, index);
      });
      if (workload.account !== undefined && !accounts.has(workload.account))
        issue(
          ['workloads', index, 'account'],
          `account ${workload.account} is not in accounts: list it with the role to assume`,
        );
    });
  });

/** The watch list file's shape, as a person writes it. */
export type WatchListFile = z.input<typeof fileSchema>;

/** A watch list with mistakes: each one, by its path in the file (the first is `field`). */
export class WatchListError extends ValidationError {
  readonly problems: { field: string; message: string }[];
  constructor(source: string, problems: { field: string; message: string }[]) {
    const first = problems[0] ?? { field: '(root)', message: 'invalid input' };
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super(`${source}: ${first.field}: ${first.message}${more}`, first.field);
    this.problems = problems;
  }
}

/** The most mistakes one answer lists: a file of 5000 bad workloads is not answered with 5000 lines. */
const MAX_PROBLEMS = 20;

/**
 * Reads a watch list file (already parsed from JSON). Mistakes throw a WatchListError naming each path in the
 * file, e.g. `watchlist.json: workloads.3.account: account 2222… is not in accounts`.
 */
export function parseWatchList(input: unknown, source = 'watchlist.json'): WatchList {
  const result = fileSchema.safeParse(input, { reportInput: true });
  if (!result.success)
    throw new WatchListError(
      source,
      result.error.issues.slice(0, MAX_PROBLEMS).map((issue) => describeIssue(issue)),
    );
  const accounts: Record<string, MemberAccount> = {};
  for (const account of result.data.accounts) accounts[account.id] = account;
  const workloads = result.data.workloads.map(
    ({ account, codeDeploy, ...rest }): Workload => ({
      ...rest,
      ...(account ? { account } : {}),
      ...(codeDeploy ? { codeDeploy } : {}),
      source: 'file',
    }),
  );
  return { workloads, accounts };
}

const stackSchema = z.object({
  STACK_WORKLOAD_NAME: z.preprocess(
    (value) => (value === '' ? undefined : value),
    z.string().regex(WORKLOAD_NAME).default('workload'),
  ),
  WATCHED_FUNCTION: optionalSetting,
  WATCHED_ALIAS: optionalSetting,
  SCHEDULE_GROUPS: listSetting,
  DLQ_QUEUES: listSetting,
  DLQ_TARGET_QUEUES: listSetting,
  ROLLBACK_ALARMS: listSetting,
  KILLSWITCH_ALARMS: listSetting,
  CODEDEPLOY_APPLICATION: optionalSetting,
});

/** The stack's own workload, from the parameters every function already reads; none without WATCHED_FUNCTION. */
export function stackWorkload(env: NodeJS.ProcessEnv = process.env): Workload | undefined {
  const config = stackSchema.parse(env);
  if (!config.WATCHED_FUNCTION) return undefined;
  const sources = config.DLQ_TARGET_QUEUES;
  return {
    name: config.STACK_WORKLOAD_NAME,
    functionName: config.WATCHED_FUNCTION,
    alias: config.WATCHED_ALIAS ?? 'live',
    scheduleGroups: config.SCHEDULE_GROUPS,
    schedules: [],
    dlqs: config.DLQ_QUEUES.map((queue) => ({ queue, sources })),
    alarms: config.ROLLBACK_ALARMS,
    killSwitchAlarms: config.KILLSWITCH_ALARMS,
    ...(config.CODEDEPLOY_APPLICATION
      ? { codeDeploy: { application: config.CODEDEPLOY_APPLICATION, groups: [] } }
      : {}),
    tags: {},
    source: 'stack',
  };
}

/**
 * The watch list in force: the file's workloads, then the stack's own, then those found by tag. A name or an
 * alias already watched is not added twice (the file wins: it says more than a tag can).
 */
export function mergeWatchLists(file: WatchList, extra: readonly Workload[]): WatchList {
  const names = new Set(file.workloads.map((workload) => workload.name));
  const aliases = new Set(file.workloads.map(aliasKey));
  const workloads = [...file.workloads];
  for (const workload of extra) {
    if (names.has(workload.name) || aliases.has(aliasKey(workload))) continue;
    if (workload.account !== undefined && !file.accounts[workload.account]) continue;
    names.add(workload.name);
    aliases.add(aliasKey(workload));
    workloads.push(workload);
  }
  return { workloads: workloads.slice(0, MAX_WORKLOADS), accounts: file.accounts };
}

const aliasKey = (workload: Workload) =>
  `${workload.account ?? 'self'}:${workload.functionName}:${workload.alias}`;
