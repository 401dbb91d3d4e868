// Status: the open kill switches, the state of the selected schedules, or one run's full list of outcomes.
// Reads only.
import { scheduleKey } from './definition.js';
import { openKillSwitches } from './ledger.js';
import { runOutcomes } from './report.js';
import type { KillSwitchRequest } from './schema.js';
import { hasSelector, pacerFor, readAll, select, selectorOf } from './select.js';
import type { KillSwitchDeps, OpenKillSwitch } from './types.js';

export interface StatusResult {
  openKillSwitches: OpenKillSwitch[];
  schedules?: { group: string; name: string; state: string }[];
  counts?: Record<string, number>;
}

export async function status(
  deps: KillSwitchDeps,
  request: KillSwitchRequest,
): Promise<StatusResult | Awaited<ReturnType<typeof runOutcomes>>> {
  // One run's full list of outcomes, which its answer showed only the first of.
  if (request.auditId) return runOutcomes(deps.ledger, request.auditId, request.page);
  const pacer = pacerFor(deps);
  const open = await openKillSwitches(deps.ledger);
  const selector = selectorOf(request, deps.config.scope);
  const restoreFilter = request.restoreId;
  const openKillSwitchesShown = restoreFilter
    ? open.filter((item) => item.restoreId === restoreFilter)
    : open;
  if (!hasSelector(selector)) return { openKillSwitches: openKillSwitchesShown };
  const items = await select(deps, pacer, request);
  // Listed schedules carry their state already; only schedules named one by one are read.
  const reads = await readAll(
    deps,
    pacer,
    items.filter((item) => item.listedState === undefined),
  );
  const readState = new Map(
    reads.map((read) => [
      scheduleKey(read.item.group, read.item.name),
      read.definition?.State ?? (read.gone ? 'GONE' : 'UNKNOWN'),
    ]),
  );
  const schedules = items.map((item) => ({
    group: item.group,
    name: item.name,
    state: item.listedState ?? readState.get(scheduleKey(item.group, item.name)) ?? 'UNKNOWN',
  }));
  const counts: Record<string, number> = { selected: schedules.length };
  for (const item of schedules) counts[item.state] = (counts[item.state] ?? 0) + 1;
  return { openKillSwitches: openKillSwitchesShown, schedules, counts };
}
