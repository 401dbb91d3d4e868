// A watched workload: one function behind one alias, and what belongs to it (schedules, DLQs, alarms, its
// CodeDeploy group), in the runbook's own account or in a member account. The watch list (watchlist.ts) is a
// list of these; every fleet action addresses them by name, tag, account or what changed (select.ts).

/** An AWS account id: 12 digits. */
export const ACCOUNT_ID = /^\d{12}$/;
/** Lambda's alias names: not all digits (that would be a version). */
export const ALIAS_NAME = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;
/** `arn:<partition>:iam::<account>:role/<path/><name>`; the account is the first group. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
/** A workload's name: what people type after `--workload` and what the ledger and alarms refer to. */
export const WORKLOAD_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface WatchedQueue {
  /** The dead-letter queue's name (never a URL: the drainer resolves names itself, issue 13). */
  queue: string;
  /** The queues it takes dead letters from, where a drain may return them. */
  sources: string[];
}

export interface Workload {
  name: string;
  /** The account it lives in; undefined: the runbook's own account. */
  account?: string;
  functionName: string;
  alias: string;
  /** Schedule groups whose every schedule belongs to it. */
  scheduleGroups: string[];
  /** Single schedules in shared groups. */
  schedules: { group: string; name: string }[];
  dlqs: WatchedQueue[];
  /** Alarm names, or prefixes written `name-*`, that speak for this workload (and only it). */
  alarms: string[];
  /** Alarms (exact names) whose ALARM stops this workload's schedules instead of rolling it back. */
  killSwitchAlarms: string[];
  codeDeploy?: { application: string; groups: string[] };
  /** What `--tag key=value` matches: declared in the file, or the function's own tags when discovered. */
  tags: Record<string, string>;
  /** Where it was declared: the checked-in file, a `runbook:watch` tag, or the stack's own parameters. */
  source: 'file' | 'tags' | 'stack';
}

/**
 * A workload that watches its function and nothing else yet: its alias `live`, no schedules, queues, alarms or
 * tags, until `fields` say otherwise. How discovery starts one, and how fixtures and benches write one.
 */
export function bareWorkload(
  fields: Pick<Workload, 'name' | 'functionName' | 'source'> & Partial<Workload>,
): Workload {
  return {
    alias: 'live',
    scheduleGroups: [],
    schedules: [],
    dlqs: [],
    alarms: [],
    killSwitchAlarms: [],
    tags: {},
    ...fields,
  };
}

/** A member account the runbook acts in, and the role it assumes there. */
export interface MemberAccount {
  id: string;
  /** A label for people (`prod-eu`). */
  name?: string;
  roleArn: string;
}

export interface WatchList {
  workloads: Workload[];
  /** Member accounts by id. The runbook's own account is not listed. */
  accounts: Record<string, MemberAccount>;
}

/** The ledger target of a workload's alias, as the rollback writes it. */
export const aliasTarget = (workload: {
  functionName: string;
  alias: string;
  account?: string | undefined;
}): string =>
  workload.account
    ? `function:${workload.account}:${workload.functionName}:${workload.alias}`
    : `function:${workload.functionName}:${workload.alias}`;
