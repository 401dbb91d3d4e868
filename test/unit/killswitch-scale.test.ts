// The kill switch over 3,000 schedules of one group (issue 13, point 5), every schedule checked, in the in-memory
// Region of bench/memory-region.ts: real SDK clients and the real AuditLedger (redaction, size guard, pages), with
// Scheduler and the audit table answered from memory — UpdateSchedule replacing the whole definition, ListSchedules
// paging by 100, and an item over 400 KB refused as DynamoDB refuses it. The same run against moto, on fewer
// schedules but across every boundary that depends on the estate's size, is test/integration/killswitch-scale.test.ts;
// moto answers a few hundred requests a second, and 3,000 schedules cost it about 14,500.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemoryRegion, memoryRegion } from '../../bench/memory-region.js';
import { disable, enable, type KillSwitchDeps, status } from '../../functions/killswitch/killswitch.js';
import { killSwitchRequestSchema } from '../../functions/killswitch/schema.js';
import { fullSchedule } from '../support/schedules.js';

const SCHEDULES = 3_000;
const group = 'payments-nightly';
// Names as long as real ones get (Scheduler allows 64): the disable record of 3,000 outcomes is then past the
// ledger's item limit, as the one of issue 13 was, and its outcomes go to result pages.
const names = Array.from(
  { length: SCHEDULES },
  (_, i) => `payments-settlement-reconciliation-nightly-batch-${String(i).padStart(5, '0')}`,
);
// Every tenth schedule was already off before the incident: it must stay off after the restore.
const pausedBefore = (index: number) => index % 10 === 0;
const paused = names.filter((_, index) => pausedBefore(index)).length;

type Page = { schedules: { name: string; outcome: string }[]; next?: number };

describe('kill switch over 3,000 schedules (in-memory Region)', () => {
  let region: MemoryRegion;
  let deps: KillSwitchDeps;
  const lambda = new LambdaClient({});
  const origin = { door: 'direct' as const, actor: 'cli:test@ci', correlationId: 'scale' };
  const request = (fields: Record<string, unknown>) =>
    killSwitchRequestSchema.parse({ reason: 'scale test', ...fields });
  /** Every schedule's whole definition, as GetSchedule answers it, without the time of the last change. */
  const estate = () =>
    Object.fromEntries(
      [...region.schedules.entries()].map(([name, { LastModificationDate: _l, ...rest }]) => [name, rest]),
    );

  beforeAll(() => {
    // No simulated latency: this file checks what the kill switch does to each schedule, not how long it takes
    // (the bench's killswitch-scale section measures that).
    region = memoryRegion({ group, latencyMs: 0 });
    names.forEach((name, index) => {
      region.schedules.set(name, {
        ...fullSchedule(name, { State: pausedBefore(index) ? 'DISABLED' : 'ENABLED' }),
        GroupName: group,
        Arn: `arn:aws:scheduler:us-east-1:123456789012:schedule/${group}/${name}`,
        CreationDate: new Date('2026-01-01T00:00:00Z'),
        LastModificationDate: new Date('2026-01-01T00:00:00Z'),
      });
    });
    deps = {
      scheduler: region.scheduler,
      lambda,
      ledger: region.ledger,
      logger: { info: () => undefined, warn: () => undefined },
      now: () => new Date(),
      config: { scheduleGroups: [], ratePerSecond: 100_000, concurrency: 32 },
    };
  });

  afterAll(() => {
    region.destroy();
    lambda.destroy();
  });

  it('disables, reports and restores 3,000 schedules exactly, with a bounded answer and records under 400 KB', async () => {
    // Prepare
    const before = structuredClone(estate());

    // Act
    const off = await disable(deps, request({ action: 'disable', group, all: true }), origin);
    const during = [...region.schedules.values()].map((item) => item.State);
    const pages: Page[] = [];
    for (let page = 1; page <= 3; page++)
      pages.push((await status(deps, request({ action: 'status', auditId: off.auditId, page }))) as Page);
    const on = await enable(deps, request({ action: 'enable', restoreId: off.restoreId }), origin);
    const open = (await status(deps, request({ action: 'status' }))) as {
      openKillSwitches: { restoreId: string }[];
    };

    // Assess: the disable answered, with counts and where the full list is. (The handler adds `ok` to what the
    // logic answers: the run against moto checks it.)
    expect(off).toMatchObject({
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
    expect(during.every((state) => state === 'DISABLED')).toBe(true);
    // The full list, a page at a time: every schedule once.
    expect(
      pages
        .flatMap((page) => page.schedules)
        .map((item) => item.name)
        .sort(),
    ).toEqual(names);
    expect(pages.map((page) => page.next)).toEqual([2, 3, undefined]);
    // The enable answered and closed the kill switch; every schedule's whole definition is back exactly.
    expect(on).toMatchObject({
      closed: true,
      counts: { selected: SCHEDULES, enabled: SCHEDULES - paused, 'was-disabled': paused },
      fullList: { total: SCHEDULES, shown: 100 },
    });
    expect(Buffer.byteLength(JSON.stringify(on))).toBeLessThan(64 * 1024);
    // Its undo names the kill switch's selector, not 2,700 schedules one by one.
    expect(on.undo).toBe(
      `runbook schedules disable --group ${group} --all --reason 'undo enable of ${off.restoreId}'`,
    );
    expect(estate()).toEqual(before);
    expect(open.openKillSwitches.map((item) => item.restoreId)).not.toContain(off.restoreId);
    // The records took result pages and a snapshot in parts, and no item reached DynamoDB's 400 KB (the
    // in-memory table refuses one that does, as DynamoDB does).
    const items = [...region.table.values()];
    expect(items.filter((item) => String(item.auditId).includes('#results#')).length).toBeGreaterThan(0);
    expect(items.filter((item) => item.action === 'schedules.snapshot').length).toBeGreaterThan(1);
    expect(Math.max(...items.map((item) => Buffer.byteLength(JSON.stringify(item))))).toBeLessThan(
      400 * 1024,
    );
  }, 120_000);
});
