// One alarm topic, many workloads: an ALARM acts on the one workload it belongs to, and only that one. An alarm
// belongs to a workload that lists it (by name, or a `name-*` prefix for rollbacks) in the alarm's own account;
// an alarm two workloads claim acts on neither (a person decides), and one nobody claims is acknowledged.

import type { WatchList, Workload } from '../../shared/fleet/workload.js';
import { isListedAlarm } from '../../shared/triggers/alarm.js';
import type { AlarmNotification } from '../../shared/triggers/notification.js';

export type AlarmRoute = { act: 'rollback' | 'disable'; workload: Workload } | { act: 'none'; why: string };

export function routeAlarm(
  list: WatchList,
  alarm: Pick<AlarmNotification, 'AlarmName' | 'AWSAccountId'>,
): AlarmRoute {
  const name = alarm.AlarmName;
  // An alarm in a member account belongs to that account's workloads; any other to the runbook's own.
  const account = alarm.AWSAccountId && list.accounts[alarm.AWSAccountId] ? alarm.AWSAccountId : undefined;
  // The stack's own workload is answered by the single-workload functions (RollbackFunction, KillSwitchFunction),
  // which subscribe to the same topic: the fleet acting too would roll it back twice.
  const inAccount = list.workloads.filter(
    (workload) => workload.account === account && workload.source !== 'stack',
  );
  const claims = [
    ...inAccount
      .filter((workload) => isListedAlarm(name, workload.killSwitchAlarms, { prefixes: false }))
      .map((workload) => ({ act: 'disable' as const, workload })),
    ...inAccount
      .filter((workload) => isListedAlarm(name, workload.alarms, { prefixes: true }))
      .map((workload) => ({ act: 'rollback' as const, workload })),
  ];
  const owners = new Set(claims.map((claim) => claim.workload.name));
  if (owners.size === 0) return { act: 'none', why: `no watched workload lists alarm ${name}` };
  if (owners.size > 1)
    return {
      act: 'none',
      why: `alarm ${name} is listed by ${[...owners].join(', ')}: it must belong to one workload`,
    };
  // A workload listing the alarm both ways: stopping its schedules is the safer of the two.
  return claims.find((claim) => claim.act === 'disable') ?? (claims[0] as AlarmRoute);
}
