// When a fleet run continues (continue.ts), and how a workload's schedules become kill switches (killswitch.ts):
// the pure decisions, each rule on its own.
import { describe, expect, it } from 'vitest';
import { continuation, MAX_PARTS, nextPart } from '../../functions/fleet/continue.js';
import { partsOf } from '../../functions/fleet/killswitch.js';
import type { FleetRequest } from '../../functions/fleet/schema.js';
import type { FleetDeps, WorkloadResult } from '../../functions/fleet/types.js';
import { scopeOf } from '../../shared/fleet/select.js';
import { bareWorkload, type Workload } from '../../shared/fleet/workload.js';

const deps = (queue = true) =>
  ({
    now: () => new Date('2026-11-27T20:00:00.000Z'),
    ...(queue ? { continueWith: async () => {} } : {}),
  }) as unknown as FleetDeps;
const request = { action: 'disable', all: true, reason: 'runaway', dryRun: false } as FleetRequest;
const line = (outcome: WorkloadResult['outcome'], more: Partial<WorkloadResult> = {}): WorkloadResult => ({
  workload: 'w',
  account: 'self',
  outcome,
  summary: '',
  ...more,
});
const stopped = line('skipped', { restore: { kind: 'enable', restoreIds: ['ks-x'] } });

describe('nextPart', () => {
  it('queues the next part while workloads remain and this part got somewhere', () => {
    expect(nextPart(deps(), request, [line('succeeded'), line('skipped')], 1)).toEqual({
      auditId: expect.stringMatching(/^20261127T200000000Z-[0-9a-f]{8}$/),
      remaining: 1,
    });
    expect(nextPart(deps(), request, [stopped], 1)).toMatchObject({ remaining: 1 });
    expect(nextPart(deps(), request, [stopped], 1)?.why).toBeUndefined();
  });

  it.each([
    ['every workload is done', [line('succeeded'), line('failed')], request, 1],
    ['it was a dry run', [line('skipped')], { ...request, dryRun: true }, 1],
  ])('does not continue when %s', (_, results, asked, part) => {
    expect(nextPart(deps(), asked as FleetRequest, results, part)).toBeUndefined();
  });

  it.each([
    ['there is no queue', deps(false), [stopped], 1, /no continuation queue/],
    [
      'this part changed nothing (it only read)',
      deps(),
      [line('skipped'), line('skipped', { auditId: 'a' })],
      1,
      /no progress/,
    ],
    ['the chain is MAX_PARTS long', deps(), [stopped], MAX_PARTS, /parts already/],
  ])('leaves it to a person, saying why, when %s', (_, given, results, part, why) => {
    expect(nextPart(given, request, results as WorkloadResult[], part)?.why).toMatch(why);
  });

  it('continues a part cut short by an API call’s 28 s even though it started nothing: the next part has the whole timeout', () => {
    // Prepare: the API call's plan took its time; no workload started
    const inApiCall = { ...deps(), apiCall: true } as FleetDeps;

    // Act
    const next = nextPart(inApiCall, request, [line('skipped'), line('skipped')], 1);

    // Assess: queued (no why); the queue's part, with the whole timeout, is held to the rule again
    expect(next).toMatchObject({ remaining: 2 });
    expect(next?.why).toBeUndefined();
    expect(nextPart(deps(), request, [line('skipped'), line('skipped')], 2)?.why).toMatch(/no progress/);
  });
});

describe('partsOf', () => {
  const workload = (fields: Partial<Workload>): Workload =>
    bareWorkload({ name: 'orders', functionName: 'orders', source: 'file', ...fields });

  it('makes one kill switch of the workload’s own groups and one of its single schedules', () => {
    const both = workload({
      scheduleGroups: ['orders-jobs'],
      schedules: [
        { group: 'shared', name: 'orders-export' },
        { group: 'shared', name: 'orders-audit' },
      ],
    });
    expect(partsOf(both)).toEqual([
      { selector: { all: true }, groups: ['orders-jobs'] },
      {
        selector: {
          schedules: [
            { group: 'shared', name: 'orders-export' },
            { group: 'shared', name: 'orders-audit' },
          ],
        },
        groups: ['shared'],
      },
    ]);
  });

  it('never asks for `all` without groups (the kill switch would read every group of the account)', () => {
    expect(partsOf(workload({}))).toEqual([]);
    expect(partsOf(workload({ schedules: [{ group: 'g', name: 'n' }] }))[0]?.selector).not.toHaveProperty(
      'all',
    );
  });

  it('scopes each workload’s kill switches by account and name', () => {
    expect(scopeOf(workload({}))).toBe('fleet:self/orders');
    expect(scopeOf(workload({ account: '222222222222' }))).toBe('fleet:222222222222/orders');
  });
});

describe('continuation of an approved run (issue 18)', () => {
  const FIRST = '20261127T200000000Z-0000aaaa';
  const NEXT = '20261127T201000000Z-0000bbbb';
  const approved = { approvalId: '20261127T195000000Z-0000cccc', approvedBy: ['bob', 'carol'] };
  const pinned = { ...request, all: undefined, workloads: ['w'] };
  const { all: _all, ...recorded } = pinned;
  const ledgerWith = (approval?: typeof approved) => ({
    get: async (auditId: string) =>
      auditId === FIRST
        ? {
            auditId: FIRST,
            action: 'fleet.disable',
            actor: 'alice',
            correlationId: 'c-1',
            request: recorded,
            details: {
              workloads: [line('skipped')],
              chain: { part: 1, continuation: { auditId: NEXT, queued: true, remaining: 1 } },
            },
            ...(approval ? { approval } : {}),
          }
        : undefined,
  });
  const continuing = (approval?: typeof approved) =>
    continuation(
      {
        ...deps(),
        ledger: ledgerWith(approval),
        watchList: async () => ({ workloads: [{ name: 'w' } as Workload], accounts: {} }),
      } as unknown as FleetDeps,
      { continues: FIRST, auditId: NEXT, request: recorded },
    );

  it('carries the approval of the first part, so every later record names it (and a freeze lets it through)', async () => {
    // Act
    const next = await continuing(approved);

    // Assess
    expect(next).toMatchObject({
      origin: { door: 'queue', actor: 'alice', approval: { ...approved, before: null } },
      part: { number: 2, workloads: [{ name: 'w' }] },
    });
  });

  it('claims no approval for a run that had none', async () => {
    // Act
    const next = await continuing();

    // Assess
    expect(next).toMatchObject({ origin: { door: 'queue', actor: 'alice' } });
    expect((next as { origin: object }).origin).not.toHaveProperty('approval');
  });
});
