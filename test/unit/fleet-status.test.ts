// Fleet status's schedule counts on a mocked Scheduler: a group larger than the pages it reads is counted in
// part and said to be, never given as if whole. (moto pages ListSchedules too, but a group of 2,000+
// schedules costs it thousands of requests; the counting rule is the same whatever answers.)
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { fleetRequestSchema } from '../../functions/fleet/schema.js';
import { fleetStatus, MAX_ALARM_PAGES, MAX_SCHEDULE_PAGES } from '../../functions/fleet/status.js';
import type { FleetDeps } from '../../functions/fleet/types.js';
import { bareWorkload, type Workload } from '../../shared/fleet/workload.js';
import { parseInput } from '../../shared/validate.js';

const scheduler = mockClient(SchedulerClient);
const lambda = mockClient(LambdaClient);
const cloudwatch = mockClient(CloudWatchClient);

/** A group of `size` schedules, every fifth one off, answered by pages as ListSchedules does. */
function groupOf(name: string, size: number) {
  const schedules = Array.from({ length: size }, (_, i) => ({
    Name: `${name}-${i}`,
    GroupName: name,
    State: i % 5 === 0 ? 'DISABLED' : 'ENABLED',
  }));
  scheduler.on(ListSchedulesCommand, { GroupName: name }).callsFake((input) => {
    const start = Number(input.NextToken ?? 0);
    const end = start + Number(input.MaxResults ?? 50);
    return {
      Schedules: schedules.slice(start, end),
      ...(end < schedules.length ? { NextToken: String(end) } : {}),
    };
  });
}

/** The workload `orders` (function fn), with what the test watches of it. */
const orders = (fields: Partial<Parameters<typeof bareWorkload>[0]>) =>
  bareWorkload({ name: 'orders', functionName: 'fn', source: 'file', ...fields });

function deps(workload: Workload): FleetDeps {
  return {
    watchList: async () => ({ workloads: [workload], accounts: {} }),
    clientsFor: async () => ({
      scheduler: new SchedulerClient({}),
      lambda: new LambdaClient({}),
      cloudwatch: new CloudWatchClient({}),
    }),
    ledger: { record: async () => ({ notified: false }), list: async () => [], get: async () => undefined },
    logger: { info: () => {}, warn: () => {} },
    now: () => new Date('2026-11-28T10:00:00.000Z'),
    config: { concurrency: 2, cooldownMinutes: 0, killSwitchAlarms: [], rollbackAlarms: [] },
    env: {},
    homeAccount: '123456789012',
  } as unknown as FleetDeps;
}

const status = async (workload: Workload) =>
  (await fleetStatus(
    deps(workload),
    parseInput(fleetRequestSchema, { action: 'status', all: true, reason: 'look' }),
  )) as { workloads: { schedules?: unknown; alarmsInAlarm?: string[]; alarmsInAlarmIncomplete?: string }[] };

describe('fleet status: schedule counts', () => {
  afterEach(() => {
    scheduler.reset();
    lambda.reset();
    cloudwatch.reset();
  });

  it('counts a group read whole exactly, asking for the largest pages the API gives', async () => {
    // Prepare
    groupOf('small', 250);
    const workload = orders({ scheduleGroups: ['small'] });

    // Act
    const answer = await status(workload);

    // Assess
    expect(answer.workloads[0]?.schedules).toEqual({ enabled: 200, disabled: 50 });
    const asked = scheduler.commandCalls(ListSchedulesCommand).map((call) => call.args[0].input);
    expect(asked).toEqual([
      { GroupName: 'small', MaxResults: 100 },
      { GroupName: 'small', NextToken: '100', MaxResults: 100 },
      { GroupName: 'small', NextToken: '200', MaxResults: 100 },
    ]);
  });

  it('says a group larger than its pages was counted in part, and which, with the counts as lower bounds', async () => {
    // Prepare: one group past the pages read, one within them
    groupOf('huge', MAX_SCHEDULE_PAGES * 100 + 500);
    groupOf('small', 10);
    const workload = orders({ scheduleGroups: ['huge', 'small'] });

    // Act
    const answer = await status(workload);

    // Assess: 2,000 of huge (400 off) and all 10 of small (2 off); only huge named
    expect(answer.workloads[0]?.schedules).toEqual({
      enabled: 1608,
      disabled: 402,
      incomplete: { groups: ['huge'], why: expect.stringContaining('there are more, not counted') },
    });
    expect(scheduler.commandCalls(ListSchedulesCommand, { GroupName: 'huge' }, false).length).toBe(
      MAX_SCHEDULE_PAGES,
    );
  });
});

describe('fleet status: alarms in ALARM', () => {
  afterEach(() => {
    lambda.reset();
    cloudwatch.reset();
  });

  it('asks for named alarms 100 at a time, as DescribeAlarms takes them, and lists every one in ALARM', async () => {
    // Prepare: 150 named alarms, every third in ALARM
    const names = Array.from({ length: 150 }, (_, i) => `orders-${i}`);
    cloudwatch.on(DescribeAlarmsCommand).callsFake((input) => ({
      MetricAlarms: (input.AlarmNames ?? [])
        .filter((name: string) => Number(name.split('-')[1]) % 3 === 0)
        .map((AlarmName: string) => ({ AlarmName })),
    }));
    const workload = orders({ alarms: names });

    // Act
    const answer = await status(workload);

    // Assess
    const asked = cloudwatch.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input);
    expect(asked.map((input) => input.AlarmNames?.length)).toEqual([100, 50]);
    expect(asked[0]).toMatchObject({ StateValue: 'ALARM', MaxRecords: 100 });
    expect(answer.workloads[0]?.alarmsInAlarm).toHaveLength(50);
    expect(answer.workloads[0]?.alarmsInAlarmIncomplete).toBeUndefined();
  });

  it('reads a prefix page by page, and says the list is a part when the pages run out', async () => {
    // Prepare: a prefix whose alarms in ALARM never end
    let page = 0;
    cloudwatch.on(DescribeAlarmsCommand).callsFake(() => {
      page++;
      return {
        MetricAlarms: Array.from({ length: 100 }, (_, i) => ({ AlarmName: `orders-${page}-${i}` })),
        NextToken: `p${page}`,
      };
    });
    const workload = orders({ alarms: ['orders-*'] });

    // Act
    const answer = await status(workload);

    // Assess
    const asked = cloudwatch.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input);
    expect(asked).toHaveLength(MAX_ALARM_PAGES);
    expect(asked[1]).toMatchObject({ AlarmNamePrefix: 'orders-', NextToken: 'p1' });
    expect(answer.workloads[0]?.alarmsInAlarm).toHaveLength(MAX_ALARM_PAGES * 100);
    expect(answer.workloads[0]?.alarmsInAlarmIncomplete).toBe(
      'more in ALARM under orders-*: only 1000 read per query',
    );
  });
});
