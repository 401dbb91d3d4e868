// Which watched workloads a fleet request addresses: by name, by tag, every one, or every one that moved in a
// window (the window itself is read from the ledger and CodeDeploy by the fleet function; here it only admits
// every candidate). Pure: a selector that names nothing real is refused before any call, naming the field.
import { ValidationError } from '../errors.js';
import type { WatchList, Workload } from './workload.js';

export interface Selector {
  workloads?: string[];
  /** key → value; every pair must match (`--tag team=payments --tag tier=1`). */
  tags?: Record<string, string>;
  all?: boolean;
  /** Minutes: the workloads whose alias moved in that window (resolved after this selection). */
  deployedSinceMinutes?: number;
  /** Account ids, or `self` for the runbook's own account. */
  accounts?: string[];
}

/** The account a workload is in, as selectors and answers write it. */
export const accountOf = (workload: Pick<Workload, 'account'>): string => workload.account ?? 'self';

/**
 * The scope of a workload's kill switches (KillSwitchConfig.scope, and the `scope` of their records): stable
 * across runs, distinct across workloads and accounts.
 */
export const scopeOf = (workload: Pick<Workload, 'account' | 'name'>) =>
  `fleet:${accountOf(workload)}/${workload.name}`;

const some = (names: readonly string[]) =>
  names.length === 0 ? 'none' : `${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}`;

export function select(list: WatchList, selector: Selector): Workload[] {
  const ways = [
    selector.workloads !== undefined,
    selector.tags !== undefined,
    selector.all === true,
    selector.deployedSinceMinutes !== undefined,
  ].filter(Boolean).length;
  if (ways === 0)
    throw new ValidationError(
      'workloads: say which workloads: by name (workloads), by tag (tags), all: true, or deployedSince',
      'workloads',
    );
  if (selector.all === true && ways > 1)
    throw new ValidationError(
      'all: all selects every workload; give it alone (accounts may narrow it)',
      'all',
    );
  let chosen = byAccount(list, selector.accounts);
  if (selector.workloads !== undefined) chosen = byName(chosen, list, selector.workloads);
  if (selector.tags !== undefined) chosen = byTags(chosen, list, selector.tags);
  return chosen;
}

function byAccount(list: WatchList, accounts: string[] | undefined): Workload[] {
  if (accounts === undefined) return list.workloads;
  const known = ['self', ...Object.keys(list.accounts)];
  accounts.forEach((account, index) => {
    if (!known.includes(account))
      throw new ValidationError(
        `accounts.${index}: account ${account} is not in the watch list (known: ${some(known)})`,
        `accounts.${index}`,
      );
  });
  return list.workloads.filter((workload) => accounts.includes(accountOf(workload)));
}

function byName(chosen: Workload[], list: WatchList, names: string[]): Workload[] {
  const all = list.workloads.map((workload) => workload.name);
  names.forEach((name, index) => {
    if (!all.includes(name))
      throw new ValidationError(
        `workloads.${index}: no watched workload is called ${name} (known: ${some(all)})`,
        `workloads.${index}`,
      );
  });
  const wanted = new Set(names);
  return chosen.filter((workload) => wanted.has(workload.name));
}

function byTags(chosen: Workload[], list: WatchList, tags: Record<string, string>): Workload[] {
  for (const [key, value] of Object.entries(tags)) {
    const values = [
      ...new Set(
        list.workloads.flatMap((workload) => (key in workload.tags ? [workload.tags[key] ?? ''] : [])),
      ),
    ];
    if (values.length === 0) {
      const keys = [...new Set(list.workloads.flatMap((workload) => Object.keys(workload.tags)))];
      throw new ValidationError(
        `tags: no watched workload has a tag ${key} (tags in use: ${some(keys)})`,
        'tags',
      );
    }
    if (!values.includes(value))
      throw new ValidationError(
        `tags: no watched workload has ${key}=${value} (values of ${key}: ${some(values)})`,
        'tags',
      );
  }
  return chosen.filter((workload) =>
    Object.entries(tags).every(([key, value]) => workload.tags[key] === value),
  );
}
