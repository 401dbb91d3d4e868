// The watch list and its selectors: what a team writes, what is refused (naming the place in the file or the
// field of the request), and which workloads a selector picks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { routeAlarm } from '../../functions/fleet/alarm.js';
import { fleetRequestSchema } from '../../functions/fleet/schema.js';
import { fromTags } from '../../shared/fleet/discover.js';
import { select } from '../../shared/fleet/select.js';
import {
  mergeWatchLists,
  parseWatchList,
  stackWorkload,
  type WatchListError,
} from '../../shared/fleet/watchlist.js';
import type { WatchList, Workload } from '../../shared/fleet/workload.js';
import { parseInput } from '../../shared/validate.js';

const ROLE = 'arn:aws:iam::222222222222:role/lambda-runbook-member';

const file = {
  accounts: [{ id: '222222222222', name: 'prod-eu', roleArn: ROLE }],
  workloads: [
    { name: 'orders', functionName: 'orders-fn', tags: { team: 'payments' }, alarms: ['orders-errors-*'] },
    { name: 'refunds', functionName: 'refunds-fn', account: '222222222222', tags: { team: 'payments' } },
    {
      name: 'risk',
      functionName: 'risk-fn',
      alias: 'prod',
      tags: { team: 'risk' },
      killSwitchAlarms: ['risk-runaway'],
    },
  ],
};

describe('parseWatchList', () => {
  it('reads a team’s file with defaults for what it leaves out', () => {
    const list = parseWatchList(file);

    expect(list.accounts).toEqual({ '222222222222': { id: '222222222222', name: 'prod-eu', roleArn: ROLE } });
    expect(list.workloads[0]).toEqual({
      name: 'orders',
      functionName: 'orders-fn',
      alias: 'live',
      scheduleGroups: [],
      schedules: [],
      dlqs: [],
      alarms: ['orders-errors-*'],
      killSwitchAlarms: [],
      tags: { team: 'payments' },
      source: 'file',
    });
    expect(list.workloads[1]?.account).toBe('222222222222');
  });

  it.each([
    [{ workloads: [{ name: 'Orders', functionName: 'f' }] }, 'workloads.0.name'],
    [
      { workloads: [{ name: 'a', functionName: 'arn:aws:lambda:us-east-1:1:function:f' }] },
      'workloads.0.functionName',
    ],
    [
      {
        workloads: [
          { name: 'a', functionName: 'f' },
          { name: 'a', functionName: 'g' },
        ],
      },
      'workloads.1.name',
    ],
    [
      {
        workloads: [
          { name: 'a', functionName: 'f' },
          { name: 'b', functionName: 'f' },
        ],
      },
      'workloads.1.functionName',
    ],
    [{ workloads: [{ name: 'a', functionName: 'f', account: '333333333333' }] }, 'workloads.0.account'],
    [
      { accounts: [{ id: '222222222222', roleArn: 'arn:aws:iam::333333333333:role/x' }] },
      'accounts.0.roleArn',
    ],
    [
      { workloads: [{ name: 'a', functionName: 'f', dlqs: [{ queue: 'https://evil.example/q' }] }] },
      'workloads.0.dlqs.0.queue',
    ],
    [{ workloads: [{ name: 'a', functionName: 'f', colour: 'red' }] }, 'workloads.0'],
    [[], '(root)'],
  ])('refuses %j naming %s', (input, field) => {
    expect(() => parseWatchList(input, 'watchlist.json')).toThrow(
      expect.objectContaining({ field, message: expect.stringContaining(`watchlist.json: ${field}: `) }),
    );
  });
});

describe('parseWatchList: an ARN where a name goes', () => {
  it('names the function, the schedule group and the queue inside the ARNs pasted from the console', () => {
    // Act
    const problems = (() => {
      try {
        parseWatchList(
          {
            workloads: [
              {
                name: 'orders',
                functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api:live',
                dlqs: [{ queue: 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq' }],
                scheduleGroups: ['arn:aws:scheduler:eu-west-1:123456789012:schedule-group/orders'],
              },
            ],
          },
          'watchlist.json',
        );
      } catch (error) {
        return (error as WatchListError).problems;
      }
      return [];
    })();

    // Assess
    expect(problems).toEqual([
      {
        field: 'workloads.0.functionName',
        message: "expected the function's name, not its ARN: orders-api (the alias live is its own field)",
      },
      {
        field: 'workloads.0.scheduleGroups.0',
        message: 'expected a schedule group name, not an ARN: orders',
      },
      { field: 'workloads.0.dlqs.0.queue', message: 'expected a queue name, not its ARN: orders-dlq' },
    ]);
  });
});

describe('parseWatchList: what two workloads cannot share', () => {
  const problemsOf = (input: unknown) => {
    try {
      parseWatchList(input, 'WATCH_LIST');
    } catch (error) {
      return (error as WatchListError).problems;
    }
    return [];
  };

  it('names both workloads when they share a function and alias, a name, or a DLQ', () => {
    // Act
    const problems = problemsOf({
      workloads: [
        { name: 'orders', functionName: 'orders-fn', dlqs: [{ queue: 'orders-dlq' }] },
        { name: 'payments', functionName: 'orders-fn' },
        { name: 'orders', functionName: 'other-fn' },
        { name: 'refunds', functionName: 'refunds-fn', dlqs: [{ queue: 'orders-dlq' }] },
      ],
    });

    // Assess
    expect(problems).toEqual([
      {
        field: 'workloads.1.functionName',
        message:
          'orders-fn:live is already workload orders (workloads.0): workload payments cannot watch it too',
      },
      {
        field: 'workloads.2.name',
        message: 'workload orders is declared twice (workloads.0 and workloads.2)',
      },
      {
        field: 'workloads.3.dlqs.0.queue',
        message:
          'orders-dlq is already a DLQ of workload orders (workloads.0): workload refunds cannot list it too',
      },
    ]);
  });

  it('lets the same function be watched under another alias, and the same queue name in another account', () => {
    expect(
      problemsOf({
        accounts: [{ id: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/runbook' }],
        workloads: [
          { name: 'orders', functionName: 'orders-fn', dlqs: [{ queue: 'orders-dlq' }] },
          { name: 'orders-canary', functionName: 'orders-fn', alias: 'canary' },
          {
            name: 'orders-eu',
            account: '222222222222',
            functionName: 'orders-fn',
            dlqs: [{ queue: 'orders-dlq' }],
          },
        ],
      }),
    ).toEqual([]);
  });

  it('lists every mistake, not only the first, with the first as the field', () => {
    // Act
    const attempt = () =>
      parseWatchList(
        {
          workloads: [
            { name: 'Bad Name', functionName: 'f' },
            { name: 'b', functionName: 'arn:aws:lambda:us-east-1:123456789012:function:f' },
          ],
        },
        'WATCH_LIST',
      );

    // Assess
    expect(attempt).toThrow(
      expect.objectContaining({
        field: 'workloads.0.name',
        message: expect.stringContaining('(and 1 more)'),
        problems: [
          expect.objectContaining({ field: 'workloads.0.name' }),
          expect.objectContaining({ field: 'workloads.1.functionName' }),
        ],
      }),
    );
  });
});

describe('the stack’s own workload and tag discovery', () => {
  it('keeps the stack’s parameters as the default workload', () => {
    const workload = stackWorkload({
      WATCHED_FUNCTION: 'trading',
      SCHEDULE_GROUPS: 'trading-schedules',
      DLQ_QUEUES: 'trading-dlq',
      DLQ_TARGET_QUEUES: 'trading-queue',
      ROLLBACK_ALARMS: 'trading-errors-*',
    });

    expect(workload).toMatchObject({
      name: 'workload',
      functionName: 'trading',
      alias: 'live',
      scheduleGroups: ['trading-schedules'],
      dlqs: [{ queue: 'trading-dlq', sources: ['trading-queue'] }],
      alarms: ['trading-errors-*'],
      source: 'stack',
    });
    expect(stackWorkload({})).toBeUndefined();
  });

  it('reads a tagged function as a workload, and says why a bad tag is not one', () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:pay-fn';

    expect(
      fromTags(arn, { 'runbook:watch': 'pay', team: 'payments', 'runbook:alias': 'prod' }),
    ).toMatchObject({
      name: 'pay',
      functionName: 'pay-fn',
      alias: 'prod',
      tags: { team: 'payments' },
      source: 'tags',
    });
    expect(fromTags(arn, { 'runbook:watch': 'Pay Fn' })).toMatch(/is not a workload name/);
    expect(fromTags(`${arn}:7`, { 'runbook:watch': 'pay' })).toMatch(/not an unqualified/);
  });

  it('lets the file win over a tag for the same name or alias, and drops members of unknown accounts', () => {
    const list = parseWatchList(file);
    const tagged = (name: string, functionName: string, account?: string): Workload => ({
      ...(fromTags(`arn:aws:lambda:us-east-1:123456789012:function:${functionName}`, {
        'runbook:watch': name,
      }) as Workload),
      ...(account ? { account } : {}),
    });

    const merged = mergeWatchLists(list, [
      tagged('orders', 'other-fn'),
      tagged('dup', 'orders-fn'),
      tagged('stray', 'stray-fn', '999999999999'),
      tagged('new', 'new-fn'),
    ]);

    expect(merged.workloads.map((workload) => workload.name)).toEqual(['orders', 'refunds', 'risk', 'new']);
  });
});

describe('select', () => {
  const list = parseWatchList(file);
  const names = (workloads: Workload[]) => workloads.map((workload) => workload.name);

  it('picks by name, by tag, by account and all', () => {
    expect(names(select(list, { workloads: ['risk', 'orders'] }))).toEqual(['orders', 'risk']);
    expect(names(select(list, { tags: { team: 'payments' } }))).toEqual(['orders', 'refunds']);
    expect(names(select(list, { all: true, accounts: ['222222222222'] }))).toEqual(['refunds']);
    expect(names(select(list, { tags: { team: 'payments' }, accounts: ['self'] }))).toEqual(['orders']);
    expect(names(select(list, { deployedSinceMinutes: 30 }))).toEqual(['orders', 'refunds', 'risk']);
  });

  it('never picks a workload that fails a tag or account filter (property)', () => {
    const workload = fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/),
      team: fc.constantFrom('a', 'b', 'c'),
      account: fc.constantFrom(undefined, '222222222222'),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(workload, { selector: (item) => item.name, minLength: 1, maxLength: 20 }),
        fc.constantFrom('a', 'b'),
        fc.constantFrom('self', '222222222222'),
        (items, team, account) => {
          const fleet: WatchList = {
            accounts: { '222222222222': { id: '222222222222', roleArn: ROLE } },
            workloads: items.map((item) => ({
              name: item.name,
              functionName: `${item.name}-fn`,
              alias: 'live',
              ...(item.account ? { account: item.account } : {}),
              scheduleGroups: [],
              schedules: [],
              dlqs: [],
              alarms: [],
              killSwitchAlarms: [],
              tags: { team: item.team },
              source: 'file' as const,
            })),
          };
          if (!items.some((item) => item.team === team)) return;
          const chosen = select(fleet, { tags: { team }, accounts: [account] });
          const expected = items.filter((item) => item.team === team && (item.account ?? 'self') === account);
          expect(names(chosen)).toEqual(expected.map((item) => item.name));
        },
      ),
    );
  });
});

describe('the fleet request', () => {
  const parse = (input: unknown) => parseInput(fleetRequestSchema, input);

  it('reads a window as minutes', () => {
    expect(parse({ action: 'status', deployedSince: '2h' }).deployedSince).toBe(120);
  });

  it.each([
    [{ action: 'rollback', all: true }, 'reason'],
    [{ action: 'undo', reason: 'oops' }, 'auditId'],
    [{ action: 'rollback', all: true, reason: 'x y', toVersion: '3' }, 'toVersion'],
    [{ action: 'status', deployedSince: '30s' }, 'deployedSince'],
    [{ action: 'status', deployedSince: '8d' }, 'deployedSince'],
    [{ action: 'status', accounts: ['12345'] }, 'accounts.0'],
    [{ action: 'enable', all: true, reason: 'xyz', throttle: true }, 'throttle'],
    [{ action: 'status', workloads: 'orders' }, 'workloads'],
    [{ action: 'explode' }, 'action'],
  ])('refuses %j naming %s', (input, field) => {
    expect(() => parse(input)).toThrow(expect.objectContaining({ statusCode: 400, field }));
  });
});

describe('routeAlarm', () => {
  const list = parseWatchList(file);

  it('sends an alarm to the one workload that lists it, in the alarm’s account', () => {
    expect(routeAlarm(list, { AlarmName: 'orders-errors-p99' })).toMatchObject({
      act: 'rollback',
      workload: { name: 'orders' },
    });
    expect(routeAlarm(list, { AlarmName: 'risk-runaway' })).toMatchObject({
      act: 'disable',
      workload: { name: 'risk' },
    });
    // The same name in a member account belongs to that account's workloads, none of which lists it.
    expect(routeAlarm(list, { AlarmName: 'orders-errors-p99', AWSAccountId: '222222222222' })).toMatchObject({
      act: 'none',
    });
    expect(routeAlarm(list, { AlarmName: 'unrelated' })).toMatchObject({ act: 'none' });
  });

  it('acts on neither workload when two claim the same alarm', () => {
    const shared = parseWatchList({
      workloads: [
        { name: 'a', functionName: 'a-fn', alarms: ['shared-*'] },
        { name: 'b', functionName: 'b-fn', alarms: ['shared-errors'] },
      ],
    });

    expect(routeAlarm(shared, { AlarmName: 'shared-errors' })).toEqual({
      act: 'none',
      why: 'alarm shared-errors is listed by a, b: it must belong to one workload',
    });
  });
});
