// Rollback readiness as a pure decision: each check failing alone, all passing, and the details a person reads.
// The reads are in test/unit/fleet-readiness-read.test.ts (mock) and test/integration/fleet-readiness.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CheckName,
  type MappingFacts,
  placeOf,
  type ReadinessFacts,
  readiness,
  sourceName,
  type VersionFacts,
} from '../../functions/fleet/readiness.js';

const FN_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:orders';
const ROLE = 'arn:aws:iam::123456789012:role/orders-runtime';
const DLQ = 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq';
const ALL: CheckName[] = [
  'known-good',
  'alias-unweighted',
  'event-sources-on-alias',
  'snapstart-active',
  'same-role',
  'same-dlq',
];

function version(number: string, fields: Partial<VersionFacts> = {}): VersionFacts {
  return { version: number, state: 'Active', snapStart: 'Off', role: ROLE, deadLetterTarget: DLQ, ...fields };
}

/** A mapping from queue `queue` to `orders` with `qualifier` (`''`: the unqualified function). */
function mapping(queue: string, qualifier: string, fields: Partial<MappingFacts> = {}): MappingFacts {
  return {
    uuid: `uuid-${queue}`,
    functionArn: qualifier ? `${FN_ARN}:${qualifier}` : FN_ARN,
    eventSourceArn: `arn:aws:sqs:eu-west-1:123456789012:${queue}`,
    state: 'Enabled',
    listedUnderAlias: false,
    ...fields,
  };
}

/** live serves 7; the rollback chose 6; one queue feeds the alias; everything else equal: ready. */
function facts(overrides: Partial<ReadinessFacts> = {}): ReadinessFacts {
  return {
    functionName: 'orders',
    alias: 'live',
    current: '7',
    weights: {},
    knownGood: '6',
    whyKnownGood: 'the alias served version 6 before 7 was put live by 20261127-0301 at 03:01',
    currentVersion: version('7'),
    knownGoodVersion: version('6'),
    mappings: [mapping('orders-queue', 'live')],
    ...overrides,
  };
}

const failing = (result: ReturnType<typeof readiness>) =>
  result.checks.filter((check) => !check.ok).map((check) => check.check);
const detailOf = (result: ReturnType<typeof readiness>, name: CheckName) =>
  result.checks.find((check) => check.check === name)?.detail;

describe('readiness', () => {
  it('is ready when a known-good version exists, is Active, and nothing but the alias routes traffic', () => {
    // Act
    const result = readiness(facts());

    // Assess
    expect(result).toMatchObject({ ready: true, knownGood: '6', current: '7' });
    expect(result.checks.map((check) => check.check)).toEqual(ALL);
    expect(failing(result)).toEqual([]);
    expect(detailOf(result, 'known-good')).toBe(
      'version 6 (the alias served version 6 before 7 was put live by 20261127-0301 at 03:01); live serves 7',
    );
    expect(detailOf(result, 'event-sources-on-alias')).toBe('1 event source mapping on live: orders-queue');
    expect(detailOf(result, 'same-role')).toBe('versions 6 and 7 run as role orders-runtime');
    expect(detailOf(result, 'same-dlq')).toBe('versions 6 and 7 both have queue orders-dlq');
  });

  const alone: [string, Partial<ReadinessFacts>, CheckName, string][] = [
    [
      'the known-good version was deleted since the plan chose it',
      { knownGoodVersion: undefined },
      'known-good',
      'known-good version 6 no longer exists; name one with toVersion',
    ],
    [
      'a canary is in flight',
      { weights: { '8': 0.1 } },
      'alias-unweighted',
      'a canary is in flight on live: version 8 takes 10%, version 7 the rest',
    ],
    [
      'two mappings are pinned to the live version',
      {
        mappings: [
          mapping('orders-queue', 'live'),
          mapping('payments-queue', '7'),
          mapping('refunds-queue', '7'),
        ],
      },
      'event-sources-on-alias',
      '2 event source mappings pinned to version 7: payments-queue, refunds-queue — an alias rollback does not move them: point them at orders:live',
    ],
    [
      'a mapping feeds the unqualified function',
      { mappings: [mapping('audit-queue', '')] },
      'event-sources-on-alias',
      '1 event source mapping on the unqualified function ($LATEST): audit-queue — an alias rollback does not move them: point them at orders:live',
    ],
    [
      'the known-good SnapStart version went Inactive',
      { knownGoodVersion: version('6', { state: 'Inactive', snapStart: 'On' }) },
      'snapstart-active',
      'version 6 is Inactive (SnapStart, not invoked for 14 days): invocations fail with SnapStartNotReadyException until it is Active again; invoke orders:6 once and wait for State Active',
    ],
    [
      'the known-good version (no SnapStart) went Inactive',
      { knownGoodVersion: version('6', { state: 'Inactive' }) },
      'snapstart-active',
      'version 6 is Inactive (idle): its first invocations fail while Lambda restores it; invoke orders:6 once and wait for State Active',
    ],
    [
      'the known-good version is Pending',
      { knownGoodVersion: version('6', { state: 'Pending' }) },
      'snapstart-active',
      'version 6 is Pending: Lambda is still preparing it; wait for State Active',
    ],
    [
      'the known-good version Failed',
      {
        knownGoodVersion: version('6', {
          state: 'Failed',
          stateReasonCode: 'SubnetOutOfIPAddresses',
          stateReason: 'The subnet has no free addresses',
        }),
      },
      'snapstart-active',
      'version 6 is Failed (SubnetOutOfIPAddresses: The subnet has no free addresses): it cannot serve; name another with toVersion',
    ],
    [
      'the known-good version runs as another role',
      { knownGoodVersion: version('6', { role: 'arn:aws:iam::123456789012:role/service/orders-old' }) },
      'same-role',
      'version 6 runs as role orders-old, version 7 as orders-runtime: a rollback also switches back to orders-old; check it still exists and grants what version 6 calls',
    ],
    [
      'the known-good version has no dead-letter queue',
      { knownGoodVersion: version('6', { deadLetterTarget: undefined }) },
      'same-dlq',
      'version 6 has no dead-letter queue, version 7 queue orders-dlq: after a rollback failed asynchronous events are dropped once retries run out',
    ],
    [
      'the known-good version sends dead letters to another topic',
      {
        knownGoodVersion: version('6', {
          deadLetterTarget: 'arn:aws:sns:eu-west-1:123456789012:orders-dead',
        }),
      },
      'same-dlq',
      'version 6 has topic orders-dead, version 7 queue orders-dlq: after a rollback failed asynchronous events go to topic orders-dead; check it still exists',
    ],
  ];

  it.each(alone)('is not ready when %s, and says so in that check alone', (_, overrides, check, detail) => {
    // Act
    const result = readiness(facts(overrides));

    // Assess
    expect(result.ready).toBe(false);
    expect(failing(result)).toEqual([check]);
    expect(detailOf(result, check)).toBe(detail);
  });

  it('without a known-good version, says why and leaves out the checks about it', () => {
    // Act
    const result = readiness(
      facts({
        knownGood: undefined,
        knownGoodVersion: undefined,
        whyNoKnownGood: 'no published version below 1 to roll back to; name one with toVersion',
      }),
    );

    // Assess
    expect(result.ready).toBe(false);
    expect(result.knownGood).toBeUndefined();
    expect(result.checks.map((check) => check.check)).toEqual([
      'known-good',
      'alias-unweighted',
      'event-sources-on-alias',
    ]);
    expect(failing(result)).toEqual(['known-good']);
    expect(detailOf(result, 'known-good')).toBe(
      'no known-good version: no published version below 1 to roll back to; name one with toVersion',
    );
  });

  it('when the alias already serves the known-good version alone, is ready with nothing to move', () => {
    // Act
    const result = readiness(
      facts({ current: '6', currentVersion: version('6'), knownGood: '6', whyKnownGood: undefined }),
    );

    // Assess
    expect(result.ready).toBe(true);
    expect(detailOf(result, 'known-good')).toBe(
      'live already serves version 6: a rollback has nothing to move',
    );
  });

  it('mid-canary, names the primary version as known-good and still fails on the weights', () => {
    // Act
    const result = readiness(
      facts({
        current: '7',
        knownGood: '7',
        knownGoodVersion: version('7'),
        whyKnownGood: undefined,
        weights: { '8': 0.255 },
      }),
    );

    // Assess
    expect(failing(result)).toEqual(['alias-unweighted']);
    expect(detailOf(result, 'known-good')).toBe(
      'version 7, the primary version of live: a rollback clears the canary weights',
    );
    expect(detailOf(result, 'alias-unweighted')).toBe(
      'a canary is in flight on live: version 8 takes 25.5%, version 7 the rest',
    );
  });

  it('counts a mapping the alias-filtered list returned as on the alias, whatever its FunctionArn says', () => {
    // Prepare: moto answers the alias's list with the version the alias pointed to at creation.
    const onAlias = mapping('orders-queue', '7', { listedUnderAlias: true });

    // Act
    const result = readiness(facts({ mappings: [onAlias] }));

    // Assess
    expect(result.ready).toBe(true);
  });

  it('ignores disabled pinned mappings and mappings on other aliases: they feed nothing this rollback changes', () => {
    // Act
    const result = readiness(
      facts({
        mappings: [
          mapping('orders-queue', 'live'),
          mapping('old-queue', '3', { state: 'Disabled' }),
          mapping('beta-queue', 'beta'),
        ],
      }),
    );

    // Assess
    expect(result.ready).toBe(true);
    expect(detailOf(result, 'event-sources-on-alias')).toBe('1 event source mapping on live: orders-queue');
  });

  it('names the mappings feeding the live version first, then $LATEST, then older versions', () => {
    // Act
    const detail = detailOf(
      readiness(facts({ mappings: [mapping('old', '3'), mapping('latest', ''), mapping('live', '7')] })),
      'event-sources-on-alias',
    );

    // Assess
    expect(detail).toBe(
      '1 event source mapping pinned to version 7: live; 1 event source mapping on the unqualified function ($LATEST): latest; 1 event source mapping pinned to version 3: old — an alias rollback does not move them: point them at orders:live',
    );
  });

  it('says when only disabled mappings remain', () => {
    // Act
    const result = readiness(facts({ mappings: [mapping('old-queue', '7', { state: 'Disabled' })] }));

    // Assess
    expect(result.ready).toBe(true);
    expect(detailOf(result, 'event-sources-on-alias')).toBe(
      'no enabled event source mapping on live, version 7 or $LATEST',
    );
  });

  it('says when no mapping delivers to the function at all', () => {
    // Act
    const result = readiness(facts({ mappings: [] }));

    // Assess
    expect(detailOf(result, 'event-sources-on-alias')).toBe(
      'no event source mappings on live, version 7 or $LATEST',
    );
  });

  it('names at most five sources per version and three versions, then counts the rest', () => {
    // Prepare
    const pinned = [
      ...Array.from({ length: 7 }, (_, i) => mapping(`q${i}`, '7')),
      mapping('a', '5'),
      mapping('b', '4'),
      mapping('c', '3'),
    ];

    // Act
    const detail = detailOf(readiness(facts({ mappings: pinned })), 'event-sources-on-alias');

    // Assess
    expect(detail).toBe(
      '7 event source mappings pinned to version 7: q0, q1, q2, q3, q4 and 2 more; 1 event source mapping pinned to version 5: a; 1 event source mapping pinned to version 4: b; and 1 more version — an alias rollback does not move them: point them at orders:live',
    );
  });

  it('decides ready exactly when every check passes, with details bounded whatever the mappings', () => {
    const qualifier = fc.oneof(
      fc.constant(''),
      fc.constant('live'),
      fc.constant('beta'),
      fc.nat(40).map(String),
    );
    const anyMapping = fc.record({
      queue: fc.stringMatching(/^[a-z][a-z0-9-]{0,79}$/),
      qualifier,
      state: fc.constantFrom('Enabled', 'Disabled', 'Creating', 'Updating'),
      listedUnderAlias: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(anyMapping, { maxLength: 300 }),
        fc.dictionary(fc.nat(40).map(String), fc.double({ min: 0, max: 1, noNaN: true }), { maxKeys: 2 }),
        (mappings, weights) => {
          // Act
          const result = readiness(
            facts({
              weights,
              mappings: mappings.map((item, i) =>
                mapping(item.queue, item.qualifier, {
                  uuid: String(i),
                  state: item.state,
                  listedUnderAlias: item.listedUnderAlias,
                }),
              ),
            }),
          );

          // Assess
          expect(result.ready).toBe(result.checks.every((check) => check.ok));
          for (const check of result.checks) expect(check.detail.length).toBeLessThan(1500);
        },
      ),
    );
  });
});

describe('placeOf', () => {
  it.each([
    ['an alias ARN', `${FN_ARN}:live`, { kind: 'alias' }],
    ['a version ARN', `${FN_ARN}:12`, { kind: 'version', version: '12' }],
    ['the unqualified ARN', FN_ARN, { kind: 'unqualified' }],
    ['$LATEST', `${FN_ARN}:$LATEST`, { kind: 'unqualified' }],
    ['another alias', `${FN_ARN}:beta`, { kind: 'other-alias' }],
  ])('places a mapping on %s', (_, functionArn, place) => {
    // Act & Assess
    expect(placeOf(mapping('q', '', { functionArn }), 'live')).toEqual(place);
  });
});

describe('sourceName', () => {
  it.each([
    ['arn:aws:sqs:eu-west-1:123456789012:orders-queue', 'orders-queue'],
    ['arn:aws:kinesis:eu-west-1:123456789012:stream/clicks', 'clicks'],
    ['arn:aws:kinesis:eu-west-1:123456789012:stream/clicks/consumer/fan:1700000000', 'clicks'],
    ['arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/stream/2026-11-27T03:00:00.000', 'Orders'],
    ['arn:aws:kafka:eu-west-1:123456789012:cluster/payments/0b1c2d3e-1', 'payments'],
    ['arn:aws:mq:eu-west-1:123456789012:broker:ledger-broker:b-1234', 'ledger-broker'],
    ['arn:aws:rds:eu-west-1:123456789012:cluster:docs-cluster', 'docs-cluster'],
  ])('names %s as %s', (eventSourceArn, name) => {
    // Act & Assess
    expect(sourceName({ uuid: 'u', eventSourceArn })).toBe(name);
  });

  it('names a self-managed source, which has no ARN, by the mapping UUID', () => {
    // Act & Assess
    expect(sourceName({ uuid: '14e0db71-5d35-4eb5-b481-8945cf9d10c2' })).toBe(
      'mapping 14e0db71-5d35-4eb5-b481-8945cf9d10c2',
    );
  });
});
