// A property of the kill switch, against moto: whatever a schedule's definition, disabling its group changes
// its State and nothing else, and enabling puts back exactly the definition it had — State included.
// fast-check generates the definitions: every optional field present or not, varied values, inputs that look
// like secrets (which the ledger redacts: the restore must not depend on the redacted snapshot).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disable, enable, type KillSwitchDeps } from '../../functions/killswitch/killswitch.js';
import { killSwitchRequestSchema } from '../../functions/killswitch/schema.js';
import { provisionStack } from '../../local/emulator/provision.js';
import { AuditLedger } from '../../shared/audit.js';
import { uniqueName } from '../support/names.js';
import {
  createGroup,
  estate,
  ROLE_ARN,
  type ScheduleInput,
  TARGET_ARN,
  withoutState,
} from '../support/schedules.js';

const scheduler = new SchedulerClient({});

// Whole seconds in the future: Scheduler keeps dates to the second, and moto refuses a past StartDate.
const futureDate = fc
  .integer({ min: Date.parse('2031-01-01T00:00:00Z') / 1000, max: Date.parse('2035-12-31T00:00:00Z') / 1000 })
  .map((seconds) => new Date(seconds * 1000));

const expression = fc.oneof(
  fc.integer({ min: 1, max: 59 }).map((n) => `rate(${n} minutes)`),
  fc
    .tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 }))
    .map(([m, h]) => `cron(${m} ${h} ? * MON-FRI *)`),
  futureDate.map((date) => `at(${date.toISOString().slice(0, 19)})`),
);

const input = fc.oneof(
  fc.json({ maxDepth: 2 }),
  // Shaped like secrets the ledger redacts: an access key id and a bearer token.
  fc.constant('{"key":"AKIAIOSFODNN7EXAMPLE","auth":"Bearer abcdefgh12345678"}'),
);

const definition = fc.record(
  {
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: fc.constantFrom('UTC', 'America/New_York', 'Europe/Paris', 'Asia/Tokyo'),
    Description: fc.string({ maxLength: 60 }),
    StartDate: futureDate,
    EndDate: futureDate.map((date) => new Date(date.getTime() + 365 * 86_400_000)),
    KmsKeyArn: fc.uuid().map((id) => `arn:aws:kms:us-east-1:123456789012:key/${id}`),
    ActionAfterCompletion: fc.constantFrom('NONE', 'DELETE'),
    State: fc.constantFrom('ENABLED', 'DISABLED'),
    FlexibleTimeWindow: fc.oneof(
      fc.constant({ Mode: 'OFF' }),
      fc
        .integer({ min: 1, max: 1440 })
        .map((minutes) => ({ Mode: 'FLEXIBLE', MaximumWindowInMinutes: minutes })),
    ),
    Input: input,
    RetryPolicy: fc.record({
      MaximumRetryAttempts: fc.integer({ min: 0, max: 185 }),
      MaximumEventAgeInSeconds: fc.integer({ min: 60, max: 86_400 }),
    }),
    DeadLetterConfig: fc.constant({ Arn: 'arn:aws:sqs:us-east-1:123456789012:schedule-dlq' }),
    EventBridgeParameters: fc.record({
      DetailType: fc.constant('trading.run'),
      Source: fc.constant('lambda-runbook'),
    }),
  },
  { requiredKeys: ['ScheduleExpression', 'State', 'FlexibleTimeWindow'] },
);

type Generated = typeof definition extends fc.Arbitrary<infer T> ? T : never;

function toInput(name: string, generated: Generated): ScheduleInput {
  const { Input, RetryPolicy, DeadLetterConfig, EventBridgeParameters, ...schedule } = generated;
  return {
    ...schedule,
    Name: name,
    State: generated.State as 'ENABLED' | 'DISABLED',
    FlexibleTimeWindow: generated.FlexibleTimeWindow as ScheduleInput['FlexibleTimeWindow'],
    ActionAfterCompletion: generated.ActionAfterCompletion as ScheduleInput['ActionAfterCompletion'],
    Target: {
      Arn: TARGET_ARN,
      RoleArn: ROLE_ARN,
      ...(Input !== undefined ? { Input } : {}),
      ...(RetryPolicy ? { RetryPolicy } : {}),
      ...(DeadLetterConfig ? { DeadLetterConfig } : {}),
      ...(EventBridgeParameters ? { EventBridgeParameters } : {}),
    },
  };
}

describe('kill switch property (against the emulator)', () => {
  const lambda = new LambdaClient({});
  let deps: KillSwitchDeps;

  // The logic itself over real clients and the stack's real ledger (the handler's wiring is covered by
  // killswitch.test.ts): each run then costs milliseconds, not a handler start.
  beforeAll(async () => {
    const state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('ks-property'),
    });
    deps = {
      scheduler,
      lambda,
      ledger: new AuditLedger({
        dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
        sns: new SNSClient({}),
        tableName: String(state.resources.AuditTable?.ref),
      }),
      logger: { info: () => undefined, warn: () => undefined },
      now: () => new Date(),
      config: { scheduleGroups: [], ratePerSecond: 200, concurrency: 8 },
    };
  });

  afterAll(() => {
    scheduler.destroy();
    lambda.destroy();
  });

  async function killSwitch(fields: Record<string, unknown>) {
    const request = killSwitchRequestSchema.parse({ reason: 'property test', ...fields });
    const origin = { door: 'direct' as const, actor: 'cli:property@ci', correlationId: 'property' };
    return (request.action === 'disable' ? disable : enable)(deps, request, origin);
  }

  it('every field survives disable and enable unchanged; only State changes, and only during the outage', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(definition, { minLength: 1, maxLength: 4 }), async (definitions) => {
        // Prepare
        const group = uniqueName('ks-prop');
        await createGroup(
          scheduler,
          group,
          definitions.map((generated, index) => toInput(`s${index}`, generated)),
        );
        const before = await estate(scheduler, group);

        // Act
        const off = await killSwitch({ action: 'disable', group, all: true });
        const during = await estate(scheduler, group);
        // Nothing enabled to stop: no kill switch opens, and there is nothing to restore.
        const on = off.restoreId ? await killSwitch({ action: 'enable', restoreId: off.restoreId }) : off;
        const after = await estate(scheduler, group);

        // Assess
        expect(off.counts.failed ?? 0).toBe(0);
        expect(Object.values(during).every((s) => (s as { State: string }).State === 'DISABLED')).toBe(true);
        expect(withoutState(during)).toEqual(withoutState(before));
        expect(on.counts.failed ?? 0).toBe(0);
        expect(after).toEqual(before);
      }),
      // Each run creates, disables and restores a group through the real handler: a few runs cover the space.
      { numRuns: 8 },
    );
  });
});
