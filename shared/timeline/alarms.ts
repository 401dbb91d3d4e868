// The alarms' side of the timeline: the state changes (DescribeAlarmHistory, HistoryItemType StateUpdate) of
// every alarm that speaks for a watched workload — its `alarms` (exact names, or prefixes `name-*` resolved
// with DescribeAlarms) and its kill-switch alarms; the stack's own ROLLBACK_ALARMS and KILLSWITCH_ALARMS are
// the stack workload's (shared/fleet/watchlist.ts). One paged history read per alarm, oldest first.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html
import {
  type AlarmHistoryItem,
  type CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
} from '@aws-sdk/client-cloudwatch';
import type { Workload } from '../fleet/workload.js';
import { mapSettled } from '../rate.js';
import type { TimelineEntry, TimelineGap } from './entry.js';
import { describe, gather } from './gather.js';

/** Alarms read per prefix at most: a prefix is meant for one workload's few alarms. */
const MAX_PER_PREFIX = 100;

export interface AlarmWindow {
  since: Date;
  until: Date;
  /** History items kept per alarm; the rest of the window is counted, not kept. */
  limit: number;
  workloads: readonly Workload[];
}

/** A StateUpdate as a timeline entry: `alarm NAME OK → ALARM`, the new state's reason as its detail. */
export function alarmEntry(item: AlarmHistoryItem, workload?: string): TimelineEntry | undefined {
  if (!item.Timestamp || !item.AlarmName) return undefined;
  let data: { oldState?: { stateValue?: string }; newState?: { stateValue?: string; stateReason?: string } } =
    {};
  try {
    data = JSON.parse(item.HistoryData ?? '{}') as typeof data;
  } catch {
    // Not JSON: the summary says it in words.
  }
  const from = data.oldState?.stateValue;
  const to = data.newState?.stateValue;
  return {
    at: item.Timestamp.toISOString(),
    kind: 'alarm',
    what:
      from && to
        ? `alarm ${item.AlarmName} ${from} → ${to}`
        : `alarm ${item.AlarmName}: ${item.HistorySummary ?? ''}`,
    who: 'CloudWatch',
    outcome: to ?? 'state change',
    ...(data.newState?.stateReason ? { detail: data.newState.stateReason } : {}),
    ref: item.AlarmName,
    ...(workload ? { workload } : {}),
  };
}

/**
 * The alarms of a prefix, each with whether it is a composite alarm (its history is asked for as such), at most
 * MAX_PER_PREFIX; `more` when the prefix matches more than that (their history is not read, and the timeline
 * says so).
 */
async function expand(
  cloudwatch: CloudWatchClient,
  prefix: string,
): Promise<{ names: [string, boolean][]; more: boolean }> {
  const names: [string, boolean][] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new DescribeAlarmsCommand({
        AlarmNamePrefix: prefix,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        MaxRecords: 100,
        NextToken,
      }),
    );
    for (const alarm of page.MetricAlarms ?? []) if (alarm.AlarmName) names.push([alarm.AlarmName, false]);
    for (const alarm of page.CompositeAlarms ?? []) if (alarm.AlarmName) names.push([alarm.AlarmName, true]);
    NextToken = page.NextToken;
  } while (NextToken && names.length < MAX_PER_PREFIX);
  return {
    names: names.slice(0, MAX_PER_PREFIX),
    more: names.length > MAX_PER_PREFIX || NextToken !== undefined,
  };
}

interface Watched {
  owner: string;
  composite: boolean;
}

/**
 * Every watched alarm name, with the workload it speaks for (the first that names it). An exact name is asked
 * for as a metric alarm (DescribeAlarmHistory's default); a composite alarm is found through a prefix.
 */
async function watchedAlarms(cloudwatch: CloudWatchClient, window: AlarmWindow, gaps: TimelineGap[]) {
  const owners = new Map<string, Watched>();
  for (const workload of window.workloads) {
    for (const name of [...workload.alarms, ...workload.killSwitchAlarms]) {
      if (!name.endsWith('*')) {
        if (!owners.has(name)) owners.set(name, { owner: workload.name, composite: false });
        continue;
      }
      try {
        const { names, more } = await expand(cloudwatch, name.slice(0, -1));
        for (const [found, composite] of names)
          if (!owners.has(found)) owners.set(found, { owner: workload.name, composite });
        if (more)
          gaps.push({
            source: `CloudWatch alarms ${name}`,
            message: `more than ${MAX_PER_PREFIX} alarms match: only the history of the first ${MAX_PER_PREFIX} is read (name the alarms, or a narrower prefix)`,
          });
      } catch (error) {
        gaps.push({ source: `CloudWatch alarms ${name}`, message: describe(error) });
      }
    }
  }
  return owners;
}

async function historyOf(cloudwatch: CloudWatchClient, name: string, window: AlarmWindow, watched: Watched) {
  const kept: TimelineEntry[] = [];
  let unread = 0;
  let NextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: name,
        // Without AlarmTypes only metric alarms answer.
        ...(watched.composite ? { AlarmTypes: ['CompositeAlarm' as const] } : {}),
        HistoryItemType: 'StateUpdate',
        StartDate: window.since,
        EndDate: window.until,
        ScanBy: 'TimestampAscending',
        MaxRecords: 100,
        NextToken,
      }),
    );
    for (const item of page.AlarmHistoryItems ?? []) {
      const entry = alarmEntry(item, watched.owner);
      if (!entry) continue;
      if (kept.length < window.limit) kept.push(entry);
      else unread += 1;
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return { kept, unread };
}

export async function readAlarms(cloudwatch: CloudWatchClient, window: AlarmWindow) {
  const gaps: TimelineGap[] = [];
  const owners = [...(await watchedAlarms(cloudwatch, window, gaps))];
  const settled = await mapSettled(owners, { concurrency: 4 }, ([name, watched]) =>
    historyOf(cloudwatch, name, window, watched),
  );
  return gather(settled, (index) => `CloudWatch alarm history of ${owners[index]?.[0]}`, gaps);
}
