// The kill switch against the emulator: real schedules, real concurrency settings, the real ledger. moto does
// not implement UpdateSchedule's ClientToken and never resets ActionAfterCompletion on update, so the exact
// UpdateSchedule input (every field sent back, the token) is asserted in test/unit/killswitch.test.ts.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import { SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disable, enable, type KillSwitchDeps } from '../../functions/killswitch/killswitch.js';
import { killSwitchRequestSchema } from '../../functions/killswitch/schema.js';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { AuditLedger } from '../../shared/audit.js';
import { throttleWindows } from '../../shared/throttle-windows.js';
import { uniqueName } from '../support/names.js';
import { createGroup, estate, fullSchedule, withoutState } from '../support/schedules.js';

const scheduler = new SchedulerClient({});
const lambda = new LambdaClient({});

interface Result {
  ok: boolean;
  restoreId: string | null;
  auditId: string;
  changed: boolean;
  resumed: boolean;
  counts: Record<string, number>;
  schedules: { name: string; outcome: string; changedFields?: string[] }[];
  throttle?: { recorded: number | null; current?: number | null; outcome: string };
  warnings: string[];
  undo: string | null;
  closed?: boolean;
  error?: { code: string; field?: string };
}

const outcomes = (result: Result) =>
  Object.fromEntries(result.schedules.map((item) => [item.name, item.outcome]));

describe('kill switch (against the emulator)', () => {
  let state: EmulatorState;
  let ledger: AuditLedger;
  let functionName: string;

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('killswitch'),
    });
    functionName = String(state.workload?.functionName);
    ledger = new AuditLedger({
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
      sns: new SNSClient({}),
      tableName: String(state.resources.AuditTable?.ref),
    });
  });

  afterAll(() => {
    scheduler.destroy();
    lambda.destroy();
  });

  async function killSwitch(fields: Record<string, unknown>): Promise<Result> {
    const outcome = await invokeFunction({
      logicalId: 'KillSwitchFunction',
      event: { actor: 'cli:test@ci', reason: 'integration test', ...fields },
      state,
      // Each test works in its own group; the stack's own group is not theirs.
      envVars: { KillSwitchFunction: { SCHEDULE_GROUPS: '' } },
    });
    return outcome.result as Result;
  }

  async function concurrency(): Promise<number | null> {
    const answer = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName }));
    return answer.ReservedConcurrentExecutions ?? null;
  }

  it('disables a group, keeping every other field, and enable restores the estate exactly — an already-disabled schedule stays disabled', async () => {
    // Prepare
    const group = uniqueName('ks-group');
    await createGroup(scheduler, group, [
      fullSchedule('daily-trading'),
      fullSchedule('weekly-report', { ScheduleExpression: 'rate(7 days)', ActionAfterCompletion: undefined }),
      fullSchedule('paused-before', { State: 'DISABLED' }),
    ]);
    const before = await estate(scheduler, group);

    // Act
    const off = await killSwitch({ action: 'disable', group, all: true });
    const during = await estate(scheduler, group);
    const on = await killSwitch({ action: 'enable', restoreId: off.restoreId });
    const after = await estate(scheduler, group);

    // Assess
    expect(off).toMatchObject({ ok: true, changed: true, counts: { disabled: 2, 'already-disabled': 1 } });
    expect(off.undo).toBe(
      `runbook schedules enable --restore-id ${off.restoreId} --reason 'undo kill switch ${off.restoreId}'`,
    );
    expect(Object.values(during).map((s) => (s as { State: string }).State)).toEqual([
      'DISABLED',
      'DISABLED',
      'DISABLED',
    ]);
    expect(withoutState(during)).toEqual(withoutState(before));
    expect(on).toMatchObject({ ok: true, changed: true, closed: true });
    expect(outcomes(on)).toEqual({
      'daily-trading': 'enabled',
      'weekly-report': 'enabled',
      'paused-before': 'was-disabled',
    });
    expect(after).toEqual(before);
  });

  it('reports a schedule edited during the outage as a conflict and does not overwrite it', async () => {
    // Prepare
    const group = uniqueName('ks-conflict');
    await createGroup(scheduler, group, [fullSchedule('edited'), fullSchedule('untouched')]);
    const off = await killSwitch({ action: 'disable', group, all: true });
    // Someone moves the run to 10:05 while the kill switch holds.
    const edited = { ...fullSchedule('edited'), GroupName: group, State: 'DISABLED' as const };
    await scheduler.send(
      new UpdateScheduleCommand({ ...edited, ScheduleExpression: 'cron(5 10 ? * MON-FRI *)' }),
    );
    const editedBefore = (await estate(scheduler, group)).edited;

    // Act
    const on = await killSwitch({ action: 'enable', restoreId: off.restoreId });

    // Assess
    expect(outcomes(on)).toEqual({ edited: 'conflict', untouched: 'enabled' });
    expect(on.schedules.find((item) => item.name === 'edited')?.changedFields).toEqual([
      'ScheduleExpression',
    ]);
    expect(on.warnings.join(' ')).toContain('conflict');
    expect((await estate(scheduler, group)).edited).toEqual(editedBefore);
  });

  it('a re-run after a failure part-way resumes the same restoreId and changes nothing twice', async () => {
    // Prepare: UpdateSchedule fails for two of the five schedules on the first run.
    const group = uniqueName('ks-partial');
    const names = ['s1', 's2', 's3', 's4', 's5'];
    await createGroup(scheduler, group, [
      ...names.map((name) => fullSchedule(name)),
      fullSchedule('off', { State: 'DISABLED' }),
    ]);
    const before = await estate(scheduler, group);
    const failing = new Set(['s2', 's4']);
    const updates: string[] = [];
    const flaky = new SchedulerClient({});
    flaky.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UpdateScheduleCommand') {
          const name = String((args.input as { Name: string }).Name);
          updates.push(name);
          if (failing.has(name))
            throw Object.assign(new Error('Internal failure'), { name: 'InternalServerException' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'flaky' },
    );
    const deps: KillSwitchDeps = {
      scheduler: flaky,
      lambda,
      ledger,
      logger: { info: () => undefined, warn: () => undefined },
      now: () => new Date(),
      config: { scheduleGroups: [], ratePerSecond: 100, concurrency: 4 },
    };
    const request = killSwitchRequestSchema.parse({ action: 'disable', group, all: true, reason: 'partial' });
    const origin = { door: 'direct' as const, actor: 'cli:test@ci', correlationId: 'c1' };

    // Act
    const first = await disable(deps, request, origin);
    failing.clear();
    updates.length = 0;
    const second = await disable(deps, request, origin);
    const secondUpdates = [...updates].sort();
    const on = await enable(
      deps,
      killSwitchRequestSchema.parse({ action: 'enable', group, all: true, reason: 'over' }),
      origin,
    );

    // Assess
    expect(first.counts).toMatchObject({ disabled: 3, failed: 2, 'already-disabled': 1 });
    expect(first.warnings.join(' ')).toContain('run the same request again');
    expect(second).toMatchObject({ resumed: true, restoreId: first.restoreId });
    expect(second.counts).toMatchObject({ disabled: 2, 'disabled-earlier': 3, 'already-disabled': 1 });
    expect(secondUpdates).toEqual(['s2', 's4']);
    expect(on).toMatchObject({
      restoreId: first.restoreId,
      closed: true,
      counts: { enabled: 5, 'was-disabled': 1 },
    });
    expect(await estate(scheduler, group)).toEqual(before);
    flaky.destroy();
  });

  it('throttles the function to 0 and restores its exact reserved concurrency, or none, recording the window', async () => {
    // Prepare
    const group = uniqueName('ks-throttle');
    await createGroup(scheduler, group, [fullSchedule('daily')]);
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: functionName, ReservedConcurrentExecutions: 5 }),
    );

    // Act: with 5 reserved, then with none.
    const off = await killSwitch({ action: 'disable', group, all: true, functionName, throttle: true });
    const during = await concurrency();
    const on = await killSwitch({ action: 'enable', restoreId: off.restoreId });
    const restored = await concurrency();
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: functionName }));
    const offNone = await killSwitch({ action: 'disable', group, all: true, functionName, throttle: true });
    const onNone = await killSwitch({ action: 'enable', restoreId: offNone.restoreId });
    const restoredNone = await concurrency();

    // Assess
    expect(off.throttle).toMatchObject({ recorded: 5, outcome: 'throttled' });
    expect(off.warnings.join(' ')).toContain('dead-letter queue');
    expect(during).toBe(0);
    expect(on.throttle).toMatchObject({ recorded: 5, current: 5, outcome: 'restored' });
    expect(restored).toBe(5);
    expect(offNone.throttle).toMatchObject({ recorded: null, outcome: 'throttled' });
    expect(onNone.throttle).toMatchObject({ recorded: null, outcome: 'restored' });
    expect(restoredNone).toBeNull();
    const windows = await throttleWindows(ledger, functionName);
    expect(windows.map((w) => w.restoreId).sort()).toEqual([off.restoreId, offNone.restoreId].sort());
    expect(windows.every((w) => w.to !== undefined)).toBe(true);
  });

  it('is idempotent: disable twice changes once, enable twice restores once, and a dry run writes nothing', async () => {
    // Prepare
    const group = uniqueName('ks-idem');
    await createGroup(scheduler, group, [fullSchedule('a'), fullSchedule('b')]);
    const before = await estate(scheduler, group);

    // Act
    const plan = await killSwitch({ action: 'disable', group, namePrefix: 'a', dryRun: true });
    const afterPlan = await estate(scheduler, group);
    const first = await killSwitch({ action: 'disable', group, namePrefix: 'a' });
    const again = await killSwitch({ action: 'disable', group, namePrefix: 'a' });
    const status = (await killSwitch({ action: 'status', group, namePrefix: 'a' })) as unknown as {
      openKillSwitches: { restoreId: string; actor: string; reason: string }[];
      schedules: { name: string; state: string }[];
    };
    const on = await killSwitch({ action: 'enable', group, namePrefix: 'a' });
    const onAgain = await killSwitch({ action: 'enable', restoreId: first.restoreId });

    // Assess
    expect(plan).toMatchObject({ ok: true, dryRun: true, changed: false, counts: { 'would-disable': 1 } });
    expect(afterPlan).toEqual(before);
    expect(first).toMatchObject({ changed: true, counts: { selected: 1, disabled: 1 } });
    expect(again).toMatchObject({
      changed: false,
      resumed: true,
      restoreId: first.restoreId,
      counts: { 'disabled-earlier': 1 },
    });
    expect(status.openKillSwitches).toContainEqual(
      expect.objectContaining({
        restoreId: first.restoreId,
        actor: 'claimed:cli:test@ci',
        reason: 'integration test',
      }),
    );
    expect(status.schedules).toEqual([{ group, name: 'a', state: 'DISABLED' }]);
    expect(on).toMatchObject({ restoreId: first.restoreId, changed: true, closed: true });
    expect(onAgain).toMatchObject({ ok: true, changed: false, closed: true });
    expect(await estate(scheduler, group)).toEqual(before);
  });

  it.each([
    {
      case: 'a group that does not exist',
      fields: { action: 'disable', group: 'no-such-group-ks', all: true },
      field: 'group',
      code: 'NotFound',
    },
    {
      case: 'a schedule that does not exist',
      fields: { action: 'disable', schedules: [{ name: 'nope', group: 'default' }] },
      field: 'schedules.0.name',
      code: 'NotFound',
    },
    {
      case: 'enable with an unknown restoreId',
      fields: { action: 'enable', restoreId: 'ks-20261122T030000000Z-00000000' },
      field: 'restoreId',
      code: 'NotFound',
    },
  ])('names the field for $case', async ({ fields, field, code }) => {
    // Act
    const result = await killSwitch(fields);

    // Assess
    expect(result).toMatchObject({ ok: false, error: { code, field } });
  });
});
