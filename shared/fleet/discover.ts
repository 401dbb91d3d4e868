// Discovery by tag: every Lambda function tagged `runbook:watch=<workload name>` is a watched workload, its
// alias from `runbook:alias` (default `live`), its own tags what `--tag` selectors match. Reads only.
import {
  GetResourcesCommand,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { readPages } from '../paging.js';
import { ALIAS_NAME, bareWorkload, WORKLOAD_NAME, type Workload } from './workload.js';

export const WATCH_TAG = 'runbook:watch';
export const ALIAS_TAG = 'runbook:alias';
// Pages of up to 100; a runaway estate stops here rather than holding the answer hostage (and says so).
export const MAX_DISCOVERY_PAGES = 50;

export interface Discovered {
  workloads: Workload[];
  /** Tagged functions that could not be watched, and why (a tag value that is not a workload name). */
  ignored: { arn: string; why: string }[];
  /** Set when discovery stopped with pages still unread: the tagged functions read before it stopped. */
  stoppedAfter?: number;
}

/** The tagged functions of one account (`account` undefined: the runbook's own). */
export async function discoverTagged(
  tagging: Pick<ResourceGroupsTaggingAPIClient, 'send'>,
  account?: string,
): Promise<Discovered> {
  const found: Discovered = { workloads: [], ignored: [] };
  let read = 0;
  const more = await readPages(
    MAX_DISCOVERY_PAGES,
    (token) =>
      tagging.send(
        new GetResourcesCommand({
          ResourceTypeFilters: ['lambda:function'],
          TagFilters: [{ Key: WATCH_TAG }],
          ResourcesPerPage: 100,
          ...(token ? { PaginationToken: token } : {}),
        }),
      ),
    (answer) => {
      for (const resource of answer.ResourceTagMappingList ?? []) {
        read++;
        const arn = resource.ResourceARN ?? '';
        const tags = Object.fromEntries((resource.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
        const workload = fromTags(arn, tags, account);
        if (typeof workload === 'string') found.ignored.push({ arn, why: workload });
        else found.workloads.push(workload);
      }
    },
    (answer) => answer.PaginationToken,
  );
  if (more) found.stoppedAfter = read;
  return found;
}

/** The workload a tagged function declares, or why it declares none. */
export function fromTags(arn: string, tags: Record<string, string>, account?: string): Workload | string {
  const functionName = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]{1,64})$/.exec(
    arn,
  )?.[1];
  if (!functionName) return 'not an unqualified Lambda function ARN';
  const name = tags[WATCH_TAG] ?? '';
  if (!WORKLOAD_NAME.test(name))
    return `${WATCH_TAG}=${JSON.stringify(name)} is not a workload name (lowercase letters, digits and -)`;
  const alias = tags[ALIAS_TAG] ?? 'live';
  if (!ALIAS_NAME.test(alias)) return `${ALIAS_TAG}=${JSON.stringify(alias)} is not an alias name`;
  return bareWorkload({ name, ...(account ? { account } : {}), functionName, alias, tags, source: 'tags' });
}
