// What `runbook emulator` refuses before moto starts: parameters CloudFormation would refuse, and the settings
// read from the parameters alone (FreezeWindows, WatchList or the bundled watchlist.json), each mistake named.
import { describe, expect, it } from 'vitest';
import { describeProblems, parameterProblems } from '../../local/emulator/preflight.js';
import { loadTemplate, parameterValues } from '../../local/template.js';

const template = loadTemplate();
const EMPTY_FILE = () => ({ accounts: [], workloads: [] });
const problemsWith = (overrides: Record<string, string>, file: () => unknown = EMPTY_FILE) =>
  parameterProblems(template, parameterValues(template, overrides), file);

describe('runbook emulator: the parameters, before anything starts', () => {
  it('finds nothing wrong with the defaults and the checked-in watchlist.json', () => {
    expect(parameterProblems(template, parameterValues(template))).toEqual([]);
  });

  it('names every malformed freeze window and its field: no end, an unknown zone, a bad day, 25:00', () => {
    // Act
    const problems = problemsWith({
      FreezeWindows:
        'weekdays 09:25 UTC; daily 01:00-02:00 Mars/Olympus; funday 01:00-02:00 UTC; daily 25:00-26:00 UTC; 2026-12-24T12:00Z/ close',
    });

    // Assess
    expect(problems.map((problem) => [problem.parameter, problem.field])).toEqual([
      ['FreezeWindows', 'FREEZE_WINDOWS[0].end'],
      ['FreezeWindows', 'FREEZE_WINDOWS[1].zone'],
      ['FreezeWindows', 'FREEZE_WINDOWS[2].days'],
      ['FreezeWindows', 'FREEZE_WINDOWS[3].start'],
      ['FreezeWindows', 'FREEZE_WINDOWS[4].end'],
    ]);
    expect(describeProblems(problems)).toContain(
      '  FreezeWindows: FREEZE_WINDOWS[1].zone: unknown time zone "Mars/Olympus"',
    );
  });

  it.each([
    {
      mistake: 'two workloads on one function and alias',
      workloads: [
        { name: 'orders', functionName: 'orders-fn' },
        { name: 'payments', functionName: 'orders-fn' },
      ],
      field: 'WATCH_LIST.workloads.1.functionName',
      says: 'orders-fn:live is already workload orders (workloads.0): workload payments cannot watch it too',
    },
    {
      mistake: 'one name twice',
      workloads: [
        { name: 'orders', functionName: 'orders-fn' },
        { name: 'orders', functionName: 'other-fn' },
      ],
      field: 'WATCH_LIST.workloads.1.name',
      says: 'workload orders is declared twice (workloads.0 and workloads.1)',
    },
    {
      mistake: 'a DLQ listed by two workloads',
      workloads: [
        { name: 'orders', functionName: 'orders-fn', dlqs: [{ queue: 'orders-dlq' }] },
        { name: 'refunds', functionName: 'refunds-fn', dlqs: [{ queue: 'orders-dlq' }] },
      ],
      field: 'WATCH_LIST.workloads.1.dlqs.0.queue',
      says: 'orders-dlq is already a DLQ of workload orders (workloads.0)',
    },
    {
      mistake: 'an account not in accounts',
      workloads: [{ name: 'orders', functionName: 'orders-fn', account: '222222222222' }],
      field: 'WATCH_LIST.workloads.0.account',
      says: 'account 222222222222 is not in accounts',
    },
  ])(
    'refuses a WatchList with $mistake, naming the workloads and the field',
    ({ workloads, field, says }) => {
      // Act
      const problems = problemsWith({ WatchList: JSON.stringify({ workloads }) });

      // Assess
      expect(problems).toEqual([{ parameter: 'WatchList', field, message: expect.stringContaining(says) }]);
    },
  );

  it('checks the bundled watchlist.json when WatchList is empty, and a WatchList that is not JSON', () => {
    // Act
    const bundled = problemsWith({}, () => ({
      workloads: [
        { name: 'a', functionName: 'f' },
        { name: 'b', functionName: 'f' },
      ],
    }));
    const notJson = problemsWith({ WatchList: '{"workloads": [' });

    // Assess
    expect(bundled).toEqual([
      expect.objectContaining({
        parameter: 'watchlist.json',
        field: 'watchlist.json.workloads.1.functionName',
      }),
    ]);
    expect(notJson).toEqual([
      expect.objectContaining({
        parameter: 'WatchList',
        field: 'WATCH_LIST',
        message: expect.stringMatching(/not JSON/),
      }),
    ]);
  });

  it.each([
    { parameter: 'CanaryGate', value: 'maybe', says: 'expected one of on, off' },
    { parameter: 'ApprovalsRequired', value: '0', says: 'at least 1' },
    { parameter: 'ApprovalTtlMinutes', value: 'soon', says: 'expected a number' },
    { parameter: 'RequireApiFor', value: 'dlq.drain,nuke', says: "does not match the template's pattern" },
    {
      parameter: 'FreezeWindows',
      value: 'daily 01:00-02:00 UTC;'.repeat(100),
      says: 'at most 2048 characters',
    },
  ])('refuses $parameter=$value as CloudFormation would', ({ parameter, value, says }) => {
    expect(problemsWith({ [parameter]: value })).toContainEqual({
      parameter,
      field: parameter,
      message: expect.stringContaining(says),
    });
  });
});
