// The watch list in force for this container: the bundled watchlist.json (or WATCH_LIST inline), the stack's
// own workload, and — when discovery is on — the functions tagged runbook:watch in the runbook's account and
// in each member account. Read once per container: a tag added later is seen by the next cold start, or
// within DISCOVERY_TTL_MS.
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { describe, SettingError } from '../../shared/errors.js';
import { discoverTagged, MAX_DISCOVERY_PAGES } from '../../shared/fleet/discover.js';
import {
  mergeWatchLists,
  parseWatchList,
  stackWorkload,
  WatchListError,
} from '../../shared/fleet/watchlist.js';
import type { WatchList, Workload } from '../../shared/fleet/workload.js';
import type { Log } from '../../shared/log.js';

/** How long a discovery is trusted before the next request looks again. */
export const DISCOVERY_TTL_MS = 5 * 60_000;

export interface WatchedSources {
  /** The checked-in file's content (already parsed JSON). */
  file: unknown;
  /** WATCH_LIST's text (the fleet's settings), which overrides the file when set. */
  inline?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Tag discovery per account (undefined: the runbook's own); absent: discovery off. */
  /**
   * Tag discovery per account, given the declared list (which names the member accounts and their roles): it
   * must not ask for the merged watch list, which is what it is building.
   */
  tagging?: (
    account: string | undefined,
    declared: WatchList,
  ) => Promise<Pick<ResourceGroupsTaggingAPIClient, 'send'>>;
  logger: Pick<Log, 'warn'>;
  now?: () => number;
}

/** The watch list, parsed once; tag discovery refreshed every DISCOVERY_TTL_MS. */
export function watchedWorkloads(sources: WatchedSources): () => Promise<WatchList> {
  let declared: WatchList | undefined;
  let cached: { at: number; list: WatchList } | undefined;
  const now = sources.now ?? Date.now;
  return async () => {
    declared ??= declaredList(sources);
    if (cached && now() - cached.at < DISCOVERY_TTL_MS) return cached.list;
    const stack = stackWorkload(sources.env);
    const found = sources.tagging ? await discovered(declared, sources) : [];
    const list = mergeWatchLists(declared, [...(stack ? [stack] : []), ...found]);
    cached = { at: now(), list };
    return list;
  };
}

function declaredList(sources: WatchedSources): WatchList {
  // A deployment mistake, not the caller's: every request fails until it is fixed, saying where (a shown 500).
  const inline = sources.inline;
  if (inline) return readDeclared(() => JSON.parse(inline), 'WATCH_LIST');
  return readDeclared(() => sources.file, 'watchlist.json');
}

/** The declared list from one source, or a SettingError naming each mistake as `SOURCE.path.in.the.file`. */
export function readDeclared(read: () => unknown, source: 'WATCH_LIST' | 'watchlist.json'): WatchList {
  let input: unknown;
  try {
    input = read();
  } catch (error) {
    throw new SettingError(source, [{ field: source, message: `not JSON: ${describe(error)}` }], error);
  }
  try {
    return parseWatchList(input, source);
  } catch (error) {
    if (!(error instanceof WatchListError)) throw error;
    const problems = error.problems.map(({ field, message }) => ({ field: `${source}.${field}`, message }));
    throw new SettingError(source, problems, error);
  }
}

async function discovered(declared: WatchList, sources: WatchedSources): Promise<Workload[]> {
  const accounts = [undefined, ...Object.keys(declared.accounts)];
  const found: Workload[] = [];
  for (const account of accounts) {
    try {
      const tagging = await (sources.tagging as NonNullable<WatchedSources['tagging']>)(account, declared);
      const { workloads, ignored, stoppedAfter } = await discoverTagged(tagging, account);
      found.push(...workloads);
      for (const item of ignored) sources.logger.warn('tagged function not watched', item);
      if (stoppedAfter !== undefined)
        sources.logger.warn('tag discovery stopped: the tagged functions past these are not watched', {
          account: account ?? 'self',
          read: stoppedAfter,
          why: `more than ${MAX_DISCOVERY_PAGES} pages of tagged functions; declare the workloads in watchlist.json instead`,
        });
    } catch (error) {
      // The declared workloads still answer; a member account that cannot be read is named in the log.
      sources.logger.warn('tag discovery failed', { account: account ?? 'self', reason: describe(error) });
    }
  }
  return found;
}
