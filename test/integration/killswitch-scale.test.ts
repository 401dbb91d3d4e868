// The kill switch at scale through its real handler against moto (issue 13, point 5): it disables, answers,
// records and restores exactly, and its answer and every ledger item stay bounded. Before, the disable record of
// 3,001 schedules was 375 KB: AuditTooLargeError after the writes, no restoreId, and an enable that never closed.
//
// 300 schedules here, not 3,000: moto answers a few hundred requests a second (fewer on a busy machine) and a
// kill switch sends it about 4.8 per schedule, so 3,000 took 14,500 requests, ~100 CPU-s and 1.5 to 5 minutes,
// the longest file of `npm test`. What moto itself decides at scale is crossed at 300 as at 3,000: ListSchedules
// pages (3), the answer cut to 100 with the full list behind `status --audit-id`, and a snapshot in parts that the
// enable reads back from moto's DynamoDB. The per-schedule work is the same code whatever the count. The rest of
// the 3,000-schedule check lives where it costs seconds:
// - the same run over 3,000, every schedule's whole definition compared, `status` in 3 pages of 1,000, result
//   pages and every ledger item under 400 KB: the in-memory Region (test/unit/killswitch-scale.test.ts);
// - a 3,000-outcome record stored in result pages by moto's DynamoDB and read back whole by get and list
//   (test/integration/audit.test.ts); a page past the last refused by the handler (cli-schedules.test.ts);
// - 10,000 schedules, timed: the bench (bench/killswitch-scale.ts).
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { mapSettled } from '../../shared/rate.js';
import { uniqueName } from '../support/names.js';
import { fullSchedule } from '../support/schedules.js';

const SCHEDULES = 300;
const scheduler = new SchedulerClient({});
const dynamo = new DynamoDBClient({});

interface Result {
  ok: boolean;
  restoreId: string | null;
  auditId: string;
  counts: Record<string, number>;
  schedules: { name: string; outcome: string }[];
  fullList?: { total: number; shown: number; auditId: string; command: string };
  closed?: boolean;
  undo: string | null;
}

/** Every schedule's State, from ListSchedules: 3 calls instead of 300 GetSchedule. */
async function states(group: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let NextToken: string | undefined;
  do {
    const page = await scheduler.send(
      new ListSchedulesCommand({ GroupName: group, NextToken, MaxResults: 100 }),
    );
    for (const item of page.Schedules ?? []) out[String(item.Name)] = String(item.State);
    NextToken = page.NextToken ?? undefined;
  } while (NextToken);
  return out;
}

/** Full definitions of a sample, as GetSchedule answers them, without the time of the last change. */
async function definitions(group: string, names: string[]) {
  return Promise.all(
    names.map(async (name) => {
      const {
        $metadata: _m,
        LastModificationDate: _l,
        ...rest
      } = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
      return rest;
    }),
  );
}

describe('kill switch over 300 schedules (against the emulator)', () => {
  let state: EmulatorState;
  const group = uniqueName('ks-scale');
  // Names as long as real ones get (Scheduler allows 64): the snapshot of the estate then takes several parts.
  const names = Array.from(
    { length: SCHEDULES },
    (_, i) => `payments-settlement-reconciliation-nightly-batch-${String(i).padStart(5, '0')}`,
  );
  // Every tenth schedule was already off before the incident: it must stay off after the restore.
  const pausedBefore = (index: number) => index % 10 === 0;

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('ks-scale'),
    });
    await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
    // Created 16 at a time: about a second for 300 on moto.
    await mapSettled(names, { concurrency: 16 }, (name, index) =>
      scheduler.send(
        new CreateScheduleCommand({
          ...fullSchedule(name, { State: pausedBefore(index) ? 'DISABLED' : 'ENABLED' }),
          GroupName: group,
        }),
      ),
    );
  }, 300_000);

  afterAll(() => {
    scheduler.destroy();
    dynamo.destroy();
  });

  async function killSwitch(fields: Record<string, unknown>) {
    const outcome = await invokeFunction({
      logicalId: 'KillSwitchFunction',
      event: { actor: 'cli:test@ci', reason: 'scale test', ...fields },
      state,
      // moto's pace on a shared machine, not a Region's: a run in AWS is bounded by the rate, and one that runs
      // out of time stops cleanly and resumes (killswitch.test.ts); here it must finish in one invocation.
      timeoutSeconds: 900,
      // Its own group, and moto's pace rather than a Region's quota: the rate is what bounds a run in AWS.
      envVars: {
        KillSwitchFunction: {
          SCHEDULE_GROUPS: '',
          KILLSWITCH_RATE_PER_SECOND: '5000',
          KILLSWITCH_CONCURRENCY: '32',
        },
      },
    });
    return outcome.result as Result;
  }

  it('disables, reports and restores 300 schedules exactly, with a bounded answer and records under 400 KB', async () => {
    // Prepare
    const before = await states(group);
    // Whole definitions of a fifth of them, paused or not (all 3,000 are compared in the in-memory Region).
    const sample = names.filter((_, index) => index % 10 === 0 || index % 10 === 1);
    const sampleBefore = await definitions(group, sample);
    const paused = names.filter((_, index) => pausedBefore(index)).length;

    // Act
    const off = await killSwitch({ action: 'disable', group, all: true });
    const during = await states(group);
    const list = (await killSwitch({ action: 'status', auditId: off.auditId })) as unknown as {
      schedules: { name: string; outcome: string }[];
      next?: number;
    };
    const on = await killSwitch({ action: 'enable', restoreId: off.restoreId });
    const after = await states(group);
    const open = (await killSwitch({ action: 'status' })) as unknown as {
      openKillSwitches: { restoreId: string }[];
    };

    // Assess: the disable answered, with counts and where the full list is.
    expect(off).toMatchObject({
      ok: true,
      restoreId: expect.stringMatching(/^ks-/),
      counts: { selected: SCHEDULES, disabled: SCHEDULES - paused, 'already-disabled': paused },
      fullList: {
        total: SCHEDULES,
        shown: 100,
        command: `runbook schedules status --audit-id ${off.auditId}`,
      },
    });
    expect(off.schedules).toHaveLength(100);
    expect(Buffer.byteLength(JSON.stringify(off))).toBeLessThan(64 * 1024);
    expect(Object.values(during).every((value) => value === 'DISABLED')).toBe(true);
    // The full list, read back from the ledger in moto: every schedule once, on one page of 1,000.
    expect(list.schedules.map((item) => item.name).sort()).toEqual(names);
    expect(list.next).toBeUndefined();
    // The enable answered and closed the kill switch; the estate is back exactly.
    expect(on).toMatchObject({
      ok: true,
      closed: true,
      counts: { selected: SCHEDULES, enabled: SCHEDULES - paused, 'was-disabled': paused },
      fullList: { total: SCHEDULES, shown: 100 },
    });
    expect(Buffer.byteLength(JSON.stringify(on))).toBeLessThan(64 * 1024);
    // Its undo names the kill switch's selector, not 270 schedules one by one.
    expect(on.undo).toBe(
      `runbook schedules disable --group ${group} --all --reason 'undo enable of ${off.restoreId}'`,
    );
    expect(after).toEqual(before);
    expect(await definitions(group, sample)).toEqual(sampleBefore);
    expect(open.openKillSwitches.map((item) => item.restoreId)).not.toContain(off.restoreId);
    // Every item of the ledger fits DynamoDB, and the enable restored from a snapshot in several parts.
    const table = String(state.resources.AuditTable?.ref);
    let largest = 0;
    let snapshotParts = 0;
    let ExclusiveStartKey: Record<string, never> | undefined;
    do {
      const page = await dynamo.send(new ScanCommand({ TableName: table, ExclusiveStartKey }));
      for (const item of page.Items ?? []) {
        largest = Math.max(largest, Buffer.byteLength(JSON.stringify(item)));
        if (item.action?.S === 'schedules.snapshot') snapshotParts++;
      }
      ExclusiveStartKey = page.LastEvaluatedKey as Record<string, never> | undefined;
    } while (ExclusiveStartKey);
    expect(largest).toBeLessThan(400 * 1024);
    expect(snapshotParts).toBeGreaterThan(1);
  }, 600_000);
});
