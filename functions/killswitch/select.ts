// Which schedules a request selects, read at a paced rate: nothing is written before this is done, so a bad
// group or name is refused before any change.
import { GetScheduleCommand, GetScheduleGroupCommand, ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import {
  DependencyError,
  describe,
  isAwsError,
  NotFoundError,
  ValidationError,
} from '../../shared/errors.js';
import { mapSettled, Pacer } from '../../shared/rate.js';
import { definitionOf, type ScheduleDefinition, scheduleKey } from './definition.js';
import type { KillSwitchRequest } from './schema.js';
import type { KillSwitchDeps, Selector } from './types.js';

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
export function selectorOf(request: KillSwitchRequest, scope?: string): Selector {
  return {
    ...(scope !== undefined ? { scope } : {}),
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

export const selectorKey = (selector: Selector) => JSON.stringify(selector);
export const hasSelector = (selector: Selector) => Object.keys(selector).some((key) => key !== 'scope');

/** The kill switch's pacer: one per request, shared by its reads and writes (shared/rate.ts). */
export function pacerFor(deps: KillSwitchDeps): Pacer {
  return new Pacer({
    ratePerSecond: deps.config.ratePerSecond,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.remainingMs ? { remainingMs: deps.remainingMs } : {}),
  });
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
    throw new DependencyError(`Scheduler GetScheduleGroup ${group} failed: ${describe(error)}`, error);
  }
}

async function listGroup(deps: KillSwitchDeps, pacer: Pacer, group: string | undefined, prefix?: string) {
  const found: Selected[] = [];
  let NextToken: string | undefined;
  do {
    const input = { ...(group ? { GroupName: group } : {}), ...(prefix ? { NamePrefix: prefix } : {}) };
    const page = await pacer
      .send(() => deps.scheduler.send(new ListSchedulesCommand({ ...input, MaxResults: 100, NextToken })))
      .catch((error: unknown) => {
        // Without the list there is no selection: the request stops before any write.
        const where = group ? ` of group ${group}` : '';
        throw new DependencyError(`Scheduler ListSchedules${where} failed: ${describe(error)}`, error);
      });
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
