// Prints the generated ARN lists of the fleet's IAM policy from watchlist.json, as `sam deploy
// --parameter-overrides` pairs: for the runbook stack (template.yaml's FleetRole), or with --member for one
// member account's stack (member-role.yaml's MemberRole). They cover the actions whose service cannot authorize
// on a resource tag (docs/IAM_POLICIES.md, "The fleet's scope"); everything else is ABAC on runbook:watch, so
// these lists are all a new workload can need, and nobody writes an ARN into a policy by hand.
// Usage:
//   npm run -s watchlist:params -- --account <runbook account> --region <region>
//     [--member <member account>] [--partition aws] [--file watchlist.json] [--schedule-role <role ARN>]...
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { projectRoot } from '../local/template.js';
import { parseWatchList } from '../shared/fleet/watchlist.js';
import { ACCOUNT_ID, type WatchList, type Workload } from '../shared/fleet/workload.js';

/** The CommaDelimitedList parameters of template.yaml and member-role.yaml this prints, in print order. */
export const LIST_PARAMETERS = [
  'FleetScheduleArns',
  'FleetScheduleRoleArns',
  'FleetDeploymentGroupArns',
  'FleetAlarmArns',
] as const;
export type ListParameter = (typeof LIST_PARAMETERS)[number];

/** CloudFormation's limit on one parameter value. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html */
export const MAX_PARAMETER_CHARS = 4096;
/**
 * The room the lists have together: IAM holds a role's inline policies to 10,240 characters (whitespace not
 * counted, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html), and FleetRole's own
 * statements take about 4,900 of them, 9,100 with the lists full (test/unit/watchlist-params.test.ts measures it).
 */
export const MAX_LISTS_CHARS = 4000;

export interface ParamsOptions {
  /** The runbook's own account (where template.yaml is deployed). */
  account: string;
  region: string;
  partition?: string;
  /** Print member-role.yaml's lists for this member account instead of the runbook stack's. */
  member?: string;
  /** Execution roles of the watched schedules (role ARNs): the watch list does not name them. */
  scheduleRoles?: string[];
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const PARTITION = /^aws(-[a-z]+)*$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

/** The workloads whose resources the chosen stack's role acts on. */
function workloadsOf(list: WatchList, options: ParamsOptions): Workload[] {
  if (options.member === undefined)
    return list.workloads.filter((w) => w.account === undefined || w.account === options.account);
  return list.workloads.filter((w) => w.account === options.member);
}

function check(options: ParamsOptions, list: WatchList): void {
  if (!ACCOUNT_ID.test(options.account))
    throw new Error(`--account must be 12 digits, got "${options.account}"`);
  if (!REGION.test(options.region))
    throw new Error(`--region must be a region such as us-east-1, got "${options.region}"`);
  if (!PARTITION.test(options.partition ?? 'aws'))
    throw new Error(`--partition must be aws, aws-cn or aws-us-gov, got "${options.partition}"`);
  if (options.member !== undefined) {
    if (!ACCOUNT_ID.test(options.member))
      throw new Error(`--member must be 12 digits, got "${options.member}"`);
    if (!list.accounts[options.member])
      throw new Error(`--member ${options.member} is not in the watch list's accounts`);
  }
  const target = options.member ?? options.account;
  for (const role of options.scheduleRoles ?? []) {
    const account = ROLE_ARN.exec(role)?.[1];
    if (account === undefined) throw new Error(`--schedule-role must be an IAM role ARN, got "${role}"`);
    if (account !== target) throw new Error(`--schedule-role ${role} is not in account ${target}`);
  }
}

/** An alarm name as a list item: CommaDelimitedList splits on commas and --parameter-overrides on blanks. */
function alarmName(name: string, workload: string): string {
  if (/[,\s]/.test(name))
    throw new Error(
      `workload ${workload}: alarm "${name}" has a comma or a blank; name it by a prefix (name-*)`,
    );
  return name;
}

/** The generated ARN lists for the chosen stack, each sorted and without duplicates. */
export function fleetArnLists(list: WatchList, options: ParamsOptions): Record<ListParameter, string[]> {
  check(options, list);
  const partition = options.partition ?? 'aws';
  const account = options.member ?? options.account;
  const arn = (service: string, resource: string) =>
    `arn:${partition}:${service}:${options.region}:${account}:${resource}`;
  const schedules = new Set<string>();
  const groups = new Set<string>();
  const alarms = new Set<string>();
  const workloads = workloadsOf(list, options);
  for (const workload of workloads) {
    for (const group of workload.scheduleGroups) schedules.add(arn('scheduler', `schedule/${group}/*`));
    for (const { group, name } of workload.schedules)
      schedules.add(arn('scheduler', `schedule/${group}/${name}`));
    if (workload.codeDeploy) {
      const { application, groups: named } = workload.codeDeploy;
      for (const group of named.length > 0 ? named : ['*'])
        groups.add(arn('codedeploy', `deploymentgroup:${application}/${group}`));
    }
    for (const name of [...workload.alarms, ...(workload.killSwitchAlarms ?? [])])
      alarms.add(arn('cloudwatch', `alarm:${alarmName(name, workload.name)}`));
  }
  // A watched group's wildcard already covers the single schedules declared in it.
  const covered = [...schedules].filter((item) => item.endsWith('/*')).map((item) => item.slice(0, -1));
  const sorted = (items: Iterable<string>) => [...new Set(items)].sort();
  return {
    FleetScheduleArns: sorted(
      [...schedules].filter((item) => item.endsWith('/*') || !covered.some((g) => item.startsWith(g))),
    ),
    FleetScheduleRoleArns: sorted(options.scheduleRoles ?? []),
    FleetDeploymentGroupArns: sorted(groups),
    FleetAlarmArns: sorted(alarms),
  };
}

/**
 * `Key=a,b Key2=c` for the non-empty lists (an empty one keeps its default, ''), and RunbookAccountId for a
 * member stack. Refuses a value CloudFormation would refuse, naming the list: tag those resources instead.
 */
export function parameterOverrides(lists: Record<ListParameter, string[]>, options: ParamsOptions): string {
  const pairs: string[] = options.member === undefined ? [] : [`RunbookAccountId=${options.account}`];
  const instead =
    'watch whole schedule groups, alarm prefixes (name-*) or applications (no groups) instead of single ones';
  let total = 0;
  for (const name of LIST_PARAMETERS) {
    const value = lists[name].join(',');
    if (value.length > MAX_PARAMETER_CHARS)
      throw new Error(
        `${name} is ${value.length} characters, over CloudFormation's ${MAX_PARAMETER_CHARS}: ${instead}`,
      );
    total += value.length;
    if (value) pairs.push(`${name}=${value}`);
  }
  if (total > MAX_LISTS_CHARS)
    throw new Error(
      `the lists are ${total} characters together, over the ${MAX_LISTS_CHARS} the fleet role's policy has room for: ${instead}`,
    );
  return pairs.join(' ');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const { values } = parseArgs({
      options: {
        account: { type: 'string' },
        region: { type: 'string' },
        partition: { type: 'string', default: 'aws' },
        member: { type: 'string' },
        file: { type: 'string', default: join(projectRoot, 'watchlist.json') },
        'schedule-role': { type: 'string', multiple: true, default: [] },
      },
    });
    if (!values.account) throw new Error('--account (the runbook account) is required');
    if (!values.region) throw new Error('--region is required');
    const list = parseWatchList(JSON.parse(readFileSync(values.file, 'utf8')), values.file);
    const options: ParamsOptions = {
      account: values.account,
      region: values.region,
      partition: values.partition,
      scheduleRoles: values['schedule-role'],
      ...(values.member ? { member: values.member } : {}),
    };
    console.log(parameterOverrides(fleetArnLists(list, options), options));
  } catch (error) {
    console.error(`watchlist-params: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
