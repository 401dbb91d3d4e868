// Every door of every runbook function, fuzzed: a valid sample event with any JSON value put in any position
// (inside the API body and the SNS message too), or taken out, or any JSON value as the whole event. Whatever
// arrives, a function either refuses it with a 4xx naming the field — having sent no mutating command and
// made no network call — or has accepted it: only then may it fail with a 5xx, and only after it has
// reached for AWS. Every SDK command answers with an error here, so an accepted request stops at its first
// call; a 5xx with no call at all is a crash in reading the event (the TypeError this test exists for).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as approvals } from '../../functions/approvals/handler.js';
import { handler as drainer } from '../../functions/dlq-drainer/handler.js';
import { handler as fleet } from '../../functions/fleet/handler.js';
import { handler as health } from '../../functions/health/handler.js';
import { handler as killSwitch } from '../../functions/killswitch/handler.js';
import { handler as postTraffic } from '../../functions/post-traffic/handler.js';
import { handler as preTraffic } from '../../functions/pre-traffic/handler.js';
import { handler as rollback } from '../../functions/rollback/handler.js';
import { handler as secretRotation } from '../../functions/secret-rotation/handler.js';
import { lambdaContext } from './support/context.js';
import { setEnv } from './support/env.js';
import { sampleEvent } from './support/events.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
});

// biome-ignore lint/suspicious/noExplicitAny: one stub per client of different types
const clients: AwsStub<any, any, any>[] = [
  mockClient(LambdaClient),
  mockClient(CodeDeployClient),
  mockClient(SchedulerClient),
  mockClient(SecretsManagerClient),
  mockClient(SQSClient),
  mockClient(SNSClient),
  mockClient(CloudWatchClient),
  mockClient(DynamoDBDocumentClient),
  mockClient(STSClient),
  mockClient(ResourceGroupsTaggingAPIClient),
];

/** A read: anything else (Receive changes visibility, Put/Update/Delete/Send/Publish/Invoke) mutates. */
const READ = /^(Get|List|Describe|BatchGet|Query|Scan)/;

class SentinelError extends Error {
  constructor() {
    super('every AWS call fails in this test');
    this.name = 'SentinelError';
  }
}

const fetchSpy = vi.fn(async () => {
  throw new SentinelError();
});

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

const doors: { name: string; handler: Handler; seeds: () => unknown[] }[] = [
  {
    name: 'rollback',
    handler: rollback as Handler,
    seeds: () => [
      sampleEvent('apigw/rollback.json'),
      sampleEvent('direct/rollback.json'),
      sampleEvent('sns/alarm-rollback-alarm.json'),
    ],
  },
  {
    name: 'kill switch',
    handler: killSwitch as Handler,
    seeds: () => [
      sampleEvent('apigw/schedules-disable-dry-run.json'),
      sampleEvent('apigw/schedules-status.json'),
      sampleEvent('direct/killswitch-disable.json'),
      sampleEvent('sns/alarm-killswitch-alarm.json'),
    ],
  },
  {
    name: 'dlq drainer',
    handler: drainer as Handler,
    seeds: () => [
      sampleEvent('apigw/dlq-drain.json'),
      sampleEvent('apigw/dlq-peek.json'),
      sampleEvent('direct/dlq-drain.json'),
      sampleEvent('schedule/dlq-drain.json'),
    ],
  },
  {
    name: 'health',
    handler: health as Handler,
    seeds: () => [sampleEvent('apigw/health-metadata.json'), sampleEvent('direct/health-metadata.json')],
  },
  {
    name: 'secret rotation',
    handler: secretRotation as Handler,
    seeds: () => [
      sampleEvent('secretsmanager/createSecret.json'),
      sampleEvent('apigw/secret-revoke-previous.json'),
      { action: 'revokePrevious', secretId: 'runbook-local-sample-api-key', reason: 'leaked in a log' },
    ],
  },
  {
    name: 'pre-traffic hook',
    handler: preTraffic as Handler,
    seeds: () => [sampleEvent('codedeploy/pre-traffic.json')],
  },
  {
    name: 'post-traffic hook',
    handler: postTraffic as Handler,
    seeds: () => [sampleEvent('codedeploy/post-traffic.json')],
  },
  {
    name: 'fleet',
    handler: fleet as Handler,
    seeds: () => [
      sampleEvent('apigw/fleet-status.json'),
      sampleEvent('direct/fleet-status.json'),
      sampleEvent('direct/fleet-rollback-dry-run.json'),
      sampleEvent('apigw/fleet-disable-break-glass-dry-run.json'),
      sampleEvent('direct/fleet-rollback-break-glass.json'),
      { action: 'disable', workloads: ['workload'], reason: 'runaway', throttle: true },
      { action: 'drain', all: true, reason: 'downstream back', breakGlass: { reason: 'approvers asleep' } },
      { action: 'undo', auditId: '20261122T154501123Z-3fa9c2d1', reason: 'undo it' },
      sampleEvent('sns/alarm-rollback-alarm.json'),
    ],
  },
  {
    name: 'approvals',
    handler: approvals as Handler,
    seeds: () => [
      sampleEvent('apigw/approval-approve-unknown.json'),
      sampleEvent('apigw/approval-status-unknown.json'),
      sampleEvent('apigw/approval-reject-malformed-id.json'),
    ],
  },
];

// ------------------------------------------------------------------------------------------- mutations

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Fields that carry JSON as a string: they are fuzzed as the string and, parsed, inside. */
const JSON_STRINGS = new Set(['body', 'Message']);

/** Every position in a value: `[]` is the whole; a JSON-string field adds `['body', '{}', ...]` paths inside. */
function positions(value: Json, path: Path = []): Path[] {
  const out: Path[] = [path];
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) out.push(...positions(item, [...path, index]));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.push(...positions(item, [...path, key]));
      if (JSON_STRINGS.has(key) && typeof item === 'string') {
        try {
          out.push(...positions(JSON.parse(item) as Json, [...path, key, '{}']).slice(1));
        } catch {
          // not JSON: fuzzed as a string only
        }
      }
    }
  }
  return out;
}

/** `value` with the position at `path` replaced by `replacement`, or removed when it is undefined. */
function mutate(value: Json, path: Path, replacement: Json | undefined): Json | undefined {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...Path];
  if (rest[0] === '{}' && typeof head === 'string') {
    const holder = value as Record<string, Json>;
    const inner = mutate(JSON.parse(holder[head] as string) as Json, rest.slice(1), replacement);
    return { ...holder, [head]: inner === undefined ? '' : JSON.stringify(inner) };
  }
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = mutate(copy[head as number] as Json, rest, replacement);
    if (next === undefined) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const copy = { ...(value as Record<string, Json>) };
  const next = mutate(copy[head] as Json, rest, replacement);
  if (next === undefined) delete copy[head];
  else copy[head] = next;
  return copy;
}

const fuzzedEvent = (seeds: unknown[]) =>
  fc
    .record({
      seed: fc.constantFrom(...(seeds as Json[])),
      at: fc.nat(),
      replacement: fc.option(fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, {
        nil: undefined,
        freq: 8,
      }),
    })
    .map(({ seed, at, replacement }) => {
      const all = positions(seed);
      const path = all[at % all.length] as Path;
      return { path: path.join('.'), event: mutate(seed, path, replacement) ?? null };
    });

// ------------------------------------------------------------------------------------------- verdict

interface Outcome {
  status: number;
  field?: unknown;
  code?: unknown;
}

/** The answer as the door gives it: an API response, a direct `{ ok, error }`, or a thrown error. */
function outcomeOf(result: PromiseSettledResult<unknown>): Outcome {
  if (result.status === 'rejected') {
    const error = result.reason as { statusCode?: number; field?: unknown; code?: unknown; error?: Outcome };
    // The rotation handler throws the doors' error body (Secrets Manager reads only a function error).
    if (error?.error && typeof error.error === 'object') {
      const code = error.error.code;
      return { status: code === 'InternalError' ? 500 : 400, field: error.error.field, code };
    }
    return { status: error?.statusCode ?? 500, field: error?.field, code: error?.code };
  }
  const value = result.value as Record<string, unknown> | undefined;
  if (value && typeof value.statusCode === 'number' && typeof value.body === 'string') {
    const body = JSON.parse(value.body) as { error?: { field?: unknown; code?: unknown } };
    return { status: value.statusCode, field: body.error?.field, code: body.error?.code };
  }
  const error = value?.error as { field?: unknown; code?: unknown } | undefined;
  if (value?.ok === false && error) {
    return { status: error.code === 'InternalError' ? 500 : 400, field: error.field, code: error.code };
  }
  return { status: 200 };
}

function commandsSent(): string[] {
  return clients.flatMap((client) => client.calls().map((call) => call.args[0].constructor.name));
}

let restoreEnv: () => void;

beforeAll(() => {
  restoreEnv = setEnv({
    AUDIT_TABLE: 'runbook-local-audit',
    OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:runbook-local-ops',
    WATCHED_FUNCTION: 'runbook-local-WorkloadFunction',
    WATCHED_ALIAS: 'live',
    ROLLBACK_ALARMS: 'runbook-local-workload-*',
    SCHEDULE_GROUPS: 'runbook-local-workload',
    KILLSWITCH_ALARMS: 'runbook-local-workload-errors',
    DLQ_QUEUES: 'runbook-local-WorkloadDLQ',
    DLQ_TARGET_FUNCTION: 'runbook-local-WorkloadFunction',
    DLQ_ACCOUNT_ID: '123456789012',
    TARGET_FUNCTION: 'runbook-local-WorkloadFunction',
    ALARM_NAMES: 'runbook-local-workload-errors',
  });
  vi.stubGlobal('fetch', fetchSpy);
});

afterAll(() => {
  restoreEnv();
  vi.unstubAllGlobals();
});

beforeEach(() => {
  for (const client of clients) {
    client.reset();
    client.onAnyCommand().rejects(new SentinelError());
  }
  fetchSpy.mockClear();
});

describe('every door, fuzzed', () => {
  it.each(doors)(
    '$name: refuses what it cannot read with a 4xx naming the field, acting on nothing',
    async ({ handler, seeds }) => {
      const seen = { refused: 0, accepted: 0 };
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            { weight: 9, arbitrary: fuzzedEvent(seeds()) },
            {
              weight: 1,
              arbitrary: fc.jsonValue({ maxDepth: 2 }).map((event) => ({ path: '(event)', event })),
            },
          ),
          async ({ event }) => {
            // Prepare
            for (const client of clients) client.resetHistory();
            fetchSpy.mockClear();

            // Act
            const [result] = await Promise.allSettled([handler(structuredClone(event), lambdaContext())]);

            // Assess
            const outcome = outcomeOf(result);
            const sent = commandsSent();
            if (outcome.status >= 400 && outcome.status < 500) {
              seen.refused++;
              expect(outcome.field, `a ${outcome.status} must name the field`).toEqual(expect.any(String));
              expect(sent.filter((name) => !READ.test(name.replace(/Command$/, '')))).toEqual([]);
              expect(fetchSpy).not.toHaveBeenCalled();
            } else {
              seen.accepted++;
            }
            if (outcome.status >= 500) {
              // Accepted, then stopped by the failing AWS: it must have got as far as calling it.
              expect(
                sent.length + fetchSpy.mock.calls.length,
                `5xx (${String(outcome.code)}) before any call`,
              ).toBeGreaterThan(0);
            }
          },
        ),
        { numRuns: 300 },
      );

      // The fuzz reached both sides: refusals, and requests good enough to reach for AWS.
      expect(seen.refused).toBeGreaterThan(30);
      expect(seen.accepted).toBeGreaterThan(0);
    },
    120_000,
  );
});

describe('refusals say what is wrong', () => {
  const long = 'x'.repeat(3_000);
  const cases = [
    {
      case: 'a number for functionName',
      handler: rollback as Handler,
      event: { functionName: 42, reason: 'errors' },
      field: 'functionName',
      message: 'functionName: must be a string, not a number',
    },
    {
      case: 'a number for queue',
      handler: drainer as Handler,
      event: { queue: 42, reason: 'replay' },
      field: 'queue',
      message: 'queue: must be a string, not a number',
    },
    {
      case: 'a 3,000-character SecretId',
      handler: secretRotation as Handler,
      event: {
        SecretId: long,
        ClientRequestToken: 'EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE',
        Step: 'createSecret',
      },
      field: 'SecretId',
      message: 'SecretId: is too long: at most 2048 characters, got 3000',
    },
    {
      case: 'an array as the API body',
      handler: rollback as Handler,
      event: { ...sampleEvent('apigw/rollback.json'), body: '["runbook-local-WorkloadFunction"]' },
      field: 'body',
      message: 'body: must be a JSON object, not an array',
    },
    {
      case: 'a number as the hook event',
      handler: preTraffic as Handler,
      event: 7,
      field: '(root)',
      message: '(root): must be an object, not a number',
    },
  ];

  it.each(cases)('refuses $case naming $field', async ({ handler, event, field, message }) => {
    // Act
    const [result] = await Promise.allSettled([handler(event, lambdaContext())]);

    // Assess
    const answer =
      result.status === 'rejected'
        ? ((result.reason as { error?: unknown }).error ?? result.reason)
        : (result.value as { statusCode?: number; body?: string; error?: unknown });
    const error =
      answer && typeof answer === 'object' && 'body' in answer && typeof answer.body === 'string'
        ? (JSON.parse(answer.body) as { error: unknown }).error
        : ((answer as { error?: unknown }).error ?? answer);
    expect(error).toMatchObject({ field, message });
    expect(commandsSent()).toEqual([]);
  });
});
