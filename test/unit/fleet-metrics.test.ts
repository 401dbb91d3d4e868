// A fleet run's metrics at a scale the emulator would make slow (200 workloads), with aws-sdk-client-mock, and the
// functions' own wiring: the fleet function and the approvals function acting for it count with the shared
// Metrics. A fleet rollback, kill switch and drain against the emulator: test/integration/fleet-metrics.test.ts.
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import {
  GetAliasCommand,
  LambdaClient,
  ListVersionsByFunctionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fleetDeps } from '../../functions/fleet/deps.js';
import { fleet } from '../../functions/fleet/fleet.js';
import { fleetRequestSchema } from '../../functions/fleet/schema.js';
import type { AccountClients, FleetDeps, FleetResult } from '../../functions/fleet/types.js';
import { bareWorkload, type Workload } from '../../shared/fleet/workload.js';
import { metrics as sharedMetrics } from '../../shared/powertools.js';
import { parseInput } from '../../shared/validate.js';
import { capturedMetrics } from '../support/emf.js';
import { lambdaContext } from './support/context.js';
import { setEnv } from './support/env.js';
import { fakeLedger } from './support/ledger.js';

const lambda = mockClient(LambdaClient);
const origin = { door: 'direct' as const, actor: 'cli:oncall@test', correlationId: 'fleet-metrics' };
const silent = { info: () => undefined, warn: () => undefined };

const workload = (n: number): Workload =>
  bareWorkload({ name: `w${n}`, functionName: `fn-${n}`, source: 'file' });

function deps(workloads: Workload[], metrics: FleetDeps['metrics']): FleetDeps {
  const clients = { lambda: new LambdaClient({}), codedeploy: new CodeDeployClient({}) };
  return {
    watchList: async () => ({ workloads, accounts: {} }),
    clientsFor: async () => clients as unknown as AccountClients,
    ledger: fakeLedger(),
    logger: silent,
    metrics,
    now: () => new Date('2026-11-28T03:10:00.000Z'),
    config: { concurrency: 8, cooldownMinutes: 0, killSwitchAlarms: [], rollbackAlarms: [] },
    env: {},
    homeAccount: '123456789012',
  };
}

beforeEach(() => {
  lambda.reset();
  // Every workload serves version 3 of 1, 2, 3: a rollback moves it to 2.
  lambda.on(GetAliasCommand).resolves({ Name: 'live', FunctionVersion: '3', RevisionId: 'rev-3' });
  lambda.on(ListVersionsByFunctionCommand).resolves({
    Versions: [{ Version: '$LATEST' }, { Version: '1' }, { Version: '2' }, { Version: '3' }],
  });
  lambda.on(UpdateAliasCommand).resolves({});
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('fleet metrics', () => {
  it('counts every one of 200 workloads a fleet rollback moved, in EMF documents of at most 100 values, one dimension set', async () => {
    // Prepare
    const emf = capturedMetrics();
    const workloads = Array.from({ length: 200 }, (_, n) => workload(n));

    // Act
    const result = (await fleet(
      deps(workloads, emf.metrics),
      parseInput(fleetRequestSchema, { action: 'rollback', all: true, reason: 'bad shared layer' }),
      origin,
    )) as FleetResult;

    // Assess
    expect(result.counts.succeeded).toBe(200);
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(200);
    const documents = emf.documents();
    expect(emf.sum('Rollback', documents)).toBe(200);
    expect(documents.flatMap((doc) => doc.RollbackLatencyMs ?? [])).toHaveLength(200);
    // 200 Rollback values and 200 latencies: Powertools flushes at 100 values of one metric, so no document
    // is larger than EMF allows (100 values per metric, 100 metrics), and each value is in one document only.
    expect(documents.length).toBeGreaterThan(1);
    for (const doc of documents) {
      const definition = doc._aws.CloudWatchMetrics[0];
      expect(doc._aws.CloudWatchMetrics).toHaveLength(1);
      expect(definition?.Namespace).toBe('LambdaRunbook');
      expect(definition?.Dimensions).toEqual([['service']]);
      expect(definition?.Metrics.length).toBeLessThanOrEqual(100);
      for (const { Name } of definition?.Metrics ?? []) {
        const values = doc[Name];
        expect(Array.isArray(values) ? values.length : 1, Name).toBeLessThanOrEqual(100);
      }
    }
  });

  it('counts nothing moved for a fleet dry run, as the single rollback’s dry run counts only its time', async () => {
    // Prepare
    const emf = capturedMetrics();

    // Act
    await fleet(
      deps([workload(1), workload(2)], emf.metrics),
      parseInput(fleetRequestSchema, {
        action: 'rollback',
        all: true,
        dryRun: true,
        reason: 'what would move',
      }),
      origin,
    );

    // Assess
    const documents = emf.documents();
    expect(emf.sum('Rollback', documents)).toBe(0);
    expect(documents.flatMap((doc) => doc.RollbackLatencyMs as number[])).toHaveLength(2);
  });

  it('gives the fleet function’s runs, and the approvals function’s approved fleet runs, the functions’ shared Metrics', () => {
    // Prepare: what fleetDeps reads of the environment
    const restore = setEnv({ AUDIT_TABLE: 'audit' });
    try {
      // Act: the fleet function's own, and the approvals function's (acting with the fleet role's credentials)
      const own = fleetDeps(lambdaContext());
      const approved = fleetDeps(lambdaContext(), {
        key: 'arn:aws:iam::123456789012:role/fleet',
        credentials: async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }),
      });

      // Assess: the Metrics logMetrics flushes at the end of each invocation (shared/handler.ts)
      expect(own.metrics).toBe(sharedMetrics);
      expect(approved.metrics).toBe(sharedMetrics);
    } finally {
      restore();
    }
  });
});
