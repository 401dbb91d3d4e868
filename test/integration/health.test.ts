// The health handler against the emulator: a real alias with canary weights, real schedules (one whose
// input carries a secret), real alarms; through the HTTP API, REST API and direct doors.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { projectRoot } from '../../local/template.js';
import { uniqueName } from '../support/names.js';

const event = (file: string) => JSON.parse(readFileSync(join(projectRoot, 'events', file), 'utf8'));
const secret = 'sk_live_51HxTradingVendorKey';

async function metadata(
  state: EmulatorState,
  env: Record<string, string> = {},
  file = 'apigw/health-metadata.json',
) {
  const outcome = await invokeFunction({
    logicalId: 'HealthFunction',
    event: event(file),
    state,
    envVars: { HealthFunction: env },
  });
  const response = outcome.result as { statusCode: number; headers: Record<string, string>; body: string };
  return { response, body: JSON.parse(response.body) };
}

describe('GET /health/metadata (against the emulator)', () => {
  let state: EmulatorState;
  let group: string;

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('health'),
    });
    group = String(state.resources.WorkloadScheduleGroup?.ref);
    // A second schedule whose input carries a vendor key: health may name it, never show its input.
    await new SchedulerClient({}).send(
      new CreateScheduleCommand({
        GroupName: group,
        Name: 'rebalance',
        ScheduleExpression: 'rate(1 hour)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'DISABLED',
        Target: {
          Arn: String(state.resources.WorkloadFunctionAliaslive?.ref),
          RoleArn: String(state.resources.WorkloadSchedulerRole?.attributes.Arn),
          Input: JSON.stringify({ apiKey: secret }),
        },
      }),
    );
  });

  it('reports the build, the live alias with its git sha, every watched schedule and the alarms', async () => {
    // Act
    const { response, body } = await metadata(state, {
      WATCHED_SCHEDULES: `${group}/${state.resources.WorkloadSchedule?.ref},${group}/rebalance`,
      GIT_SHA: 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0',
      BUILD_ID: 'ci-1234',
      DEPLOYED_AT: '2026-11-22T03:00:00Z',
    });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(body).toMatchObject({
      ok: true,
      status: 'ok',
      service: 'lambda-runbook',
      version: '0.1.0',
      gitSha: 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0',
      buildId: 'ci-1234',
      deployedAt: '2026-11-22T03:00:00Z',
      environment: 'dev',
      region: 'us-east-1',
      self: { version: '$LATEST' },
      target: {
        status: 'ok',
        alias: 'live',
        version: '3',
        routing: {},
        gitSha: state.workload?.versions[2]?.gitSha,
      },
      // The workload's errors, throttles, duration, DLQ depth, schedule DLQ depth and runaway alarms.
      alarms: { status: 'ok', counts: { ALARM: 0, OK: 6, INSUFFICIENT_DATA: 0 } },
    });
    expect(
      body.schedules.items.map((item: { name: string; state: string }) => [item.name, item.state]),
    ).toEqual([
      [state.resources.WorkloadSchedule?.ref, 'ENABLED'],
      ['rebalance', 'DISABLED'],
    ]);
    expect(JSON.stringify(body)).not.toContain(secret);
  });

  it('shows the canary weights while traffic is shifting', async () => {
    // Prepare
    const lambda = new LambdaClient({});
    const functionName = String(state.workload?.functionName);
    await lambda.send(
      new UpdateAliasCommand({
        FunctionName: functionName,
        Name: 'live',
        FunctionVersion: '2',
        RoutingConfig: { AdditionalVersionWeights: { '3': 0.25 } },
      }),
    );

    // Act
    const { body } = await metadata(state);

    // Assess
    expect(body.target).toMatchObject({ version: '2', routing: { '3': 0.25 } });
    await lambda.send(
      new UpdateAliasCommand({
        FunctionName: functionName,
        Name: 'live',
        FunctionVersion: '3',
        RoutingConfig: { AdditionalVersionWeights: {} },
      }),
    );
  });

  it('still answers, degraded, when the watched function does not exist', async () => {
    const { response, body } = await metadata(state, { WATCHED_FUNCTION: 'no-such-function' });

    expect(response.statusCode).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.target.status).toBe('error');
    expect(body.target.error).toMatch(/ResourceNotFound/);
    expect(body.schedules.status).toBe('ok');
  });

  it('answers a REST API (payload 1.0) request the same way', async () => {
    // Prepare: the same request as API Gateway REST APIs deliver it
    const v1 = {
      resource: '/health/metadata',
      path: '/health/metadata',
      httpMethod: 'GET',
      headers: {},
      queryStringParameters: null,
      body: null,
      isBase64Encoded: false,
      requestContext: {
        requestId: 'rest-1',
        identity: { userArn: 'arn:aws:iam::123456789012:user/bob', caller: 'AIDAEXAMPLE' },
      },
    };

    // Act
    const outcome = await invokeFunction({ logicalId: 'HealthFunction', event: v1, state });

    // Assess
    const response = outcome.result as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).target.version).toBe('3');
  });
});
