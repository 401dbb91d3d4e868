// Which schedules a request selects, read at a paced rate: nothing is written before this is done, so a bad
// group or name is refused before any change.
import { GetScheduleCommand, GetScheduleGroupCommand, ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { describe } from '../../shared/budget.js';
import { isAwsError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { type Clock, mapSettled, retryThrottled, systemClock, TokenBucket } from '../../shared/rate.js';
import { definitionOf, type ScheduleDefinition, scheduleKey } from './definition.js';
import type { KillSwitchRequest } from './schema.js';
import type { KillSwitchDeps } from './types.js';

// ------------------------------------------------------------------------------------------ selection

export interface Selected {
  group: string;
  name: string;
  /** Where an explicitly named schedule came from in the request, to name the field when it is missing. */
  field?: string;
  /** The state ListSchedules answered: enough for `status`, never for a write (a write reads the whole schedule). */
  listedState?: string;
}

/** The selector as a stable key: a re-run of the same request finds its open kill switch by it. */
export function selectorOf(request: KillSwitchRequest) {
  return {
    ...(request.schedules
      ? {
          schedules: request.schedules.map((item) => scheduleKey(item.group ?? 'default', item.name)).sort(),
        }
      : {}),
    ...(request.group !== undefined ? { group: request.group } : {}),
    ...(request.namePrefix ? { namePrefix: request.namePrefix } : {}),
    ...(request.all ? { all: true } : {}),
  };
}

export type Selector = ReturnType<typeof selectorOf>;
export const selectorKey = (selector: Selector) => JSON.stringify(selector);
export const hasSelector = (selector: Selector) => Object.keys(selector).length > 0;

/**
 * Paces every Scheduler and Lambda call of one request: a token bucket at the configured rate, then a sliding
 * window over the times calls actually left. The bucket schedules slots at the rate, but on a busy event loop
 * a timer fires late and the calls behind it bunch up; the window keeps any one second at the limit anyway.
 */
/** A second, and 1% for the jitter between taking a place and the request leaving. */
const WINDOW_MS = 1_010;

export class Pacer {
  readonly bucket: TokenBucket;
  calls = 0;
  private readonly clock: Clock;
  private readonly sent: number[] = [];
  private readonly size: number;
  private next = 0;
  constructor(private readonly deps: KillSwitchDeps) {
    this.clock = deps.clock ?? systemClock;
    this.bucket = new TokenBucket({ ratePerSecond: deps.config.ratePerSecond, clock: this.clock });
    this.size = Math.max(1, Math.floor(deps.config.ratePerSecond));
  }
  /** One paced Scheduler or Lambda call, retried on throttling. */
  send<T>(call: () => Promise<T>): Promise<T> {
    return retryThrottled(
      async () => {
        await this.slot();
        this.calls++;
        return call();
      },
      { clock: this.clock, shouldStop: () => this.outOfTime() },
    );
  }
  private async slot(): Promise<void> {
    await this.bucket.take();
    // The call `size` places back must have left at least a second ago. Places are taken synchronously; with
    // fewer calls in flight than places (16 against 200 at the defaults) no two callers wait on the same one.
    const place = this.next;
    this.next = (this.next + 1) % this.size;
    const previous = this.sent[place];
    if (previous !== undefined) {
      const wait = previous + WINDOW_MS - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
    }
    this.sent[place] = this.clock.now();
  }
  outOfTime(): boolean {
    return this.deps.remainingMs !== undefined && this.deps.remainingMs() < 5_000;
  }
}

function checkGroup(deps: KillSwitchDeps, group: string, field: string) {
  const allowed = deps.config.scheduleGroups;
  if (allowed.length > 0 && !allowed.includes(group)) {
    throw new ValidationError(
      `${field}: this runbook acts on schedule group(s) ${allowed.join(', ')} only, not ${group}`,
      field,
    );
  }
}

async function groupExists(deps: KillSwitchDeps, pacer: Pacer, group: string): Promise<void> {
  try {
    await pacer.send(() => deps.scheduler.send(new GetScheduleGroupCommand({ Name: group })));
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) {
      throw new NotFoundError(`no schedule group ${group}`, 'group', error);
    }
    throw error;
  }
}

async function listGroup(deps: KillSwitchDeps, pacer: Pacer, group: string | undefined, prefix?: string) {
  const found: Selected[] = [];
  let NextToken: string | undefined;
  do {
    const page = await pacer.send(() =>
      deps.scheduler.send(
        new ListSchedulesCommand({
          ...(group ? { GroupName: group } : {}),
          ...(prefix ? { NamePrefix: prefix } : {}),
          MaxResults: 100,
          NextToken,
        }),
      ),
    );
    for (const item of page.Schedules ?? []) {
      if (item.Name) {
        found.push({
          group: item.GroupName ?? group ?? 'default',
          name: item.Name,
          ...(item.State ? { listedState: item.State } : {}),
        });
      }
    }
    NextToken = page.NextToken ?? undefined;
  } while (NextToken);
  return found;
}

/** Resolves the selector to schedules, checking every group first: a bad one fails before any write. */
export async function select(
  deps: KillSwitchDeps,
  pacer: Pacer,
  request: KillSwitchRequest,
): Promise<Selected[]> {
  if (request.schedules) {
    const seen = new Set<string>();
    return request.schedules
      .map((item, index) => {
        const group = item.group ?? 'default';
        checkGroup(deps, group, `schedules.${index}.group`);
        return { group, name: item.name, field: `schedules.${index}.name` };
      })
      .filter((item) => {
        const key = scheduleKey(item.group, item.name);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
  }
  if (request.group !== undefined) {
    checkGroup(deps, request.group, 'group');
    await groupExists(deps, pacer, request.group);
    return listGroup(deps, pacer, request.group, request.namePrefix || undefined);
  }
  // all: true without a group: every configured group, or (unconfigured, local only) every group there is.
  const groups = deps.config.scheduleGroups;
  if (groups.length === 0) return listGroup(deps, pacer, undefined);
  const lists: Selected[][] = [];
  for (const group of groups) lists.push(await listGroup(deps, pacer, group));
  return lists.flat();
}

export interface Read {
  item: Selected;
  definition?: ScheduleDefinition;
  /** LastModificationDate as GetSchedule answered it: whether anyone changed the schedule since a given time. */
  modifiedAt?: string;
  gone?: boolean;
  error?: string;
}

export async function readAll(deps: KillSwitchDeps, pacer: Pacer, items: Selected[]): Promise<Read[]> {
  let done = 0;
  const settled = await mapSettled(
    items,
    { concurrency: deps.config.concurrency, shouldStop: () => pacer.outOfTime() },
    async (item): Promise<Read> => {
      try {
        const answer = await pacer.send(() =>
          deps.scheduler.send(new GetScheduleCommand({ Name: item.name, GroupName: item.group })),
        );
        return {
          item,
          definition: definitionOf(answer, item.group),
          ...(answer.LastModificationDate
            ? { modifiedAt: new Date(answer.LastModificationDate).toISOString() }
            : {}),
        };
      } catch (error) {
        if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
        // A name the caller gave is a mistake to name; one listed a moment ago was deleted meanwhile.
        if (item.field)
          throw new NotFoundError(`no schedule ${item.name} in group ${item.group}`, item.field, error);
        return { item, gone: true };
      } finally {
        deps.onProgress?.({ phase: 'read', done: ++done, total: items.length });
      }
    },
  );
  return settled.map((entry, index) => {
    const item = items[index] as Selected;
    if (entry.status === 'ok') return entry.value;
    if (entry.status === 'skipped') return { item, error: 'skipped: out of time before it was read' };
    if (entry.error instanceof NotFoundError) throw entry.error;
    return { item, error: describe(entry.error) };
  });
}
