// The fleet function through its real handler against the emulator: the watch list it builds (the stack's own
// workload, the file, and a function found by its runbook:watch tag), and an alarm that reaches the one
// workload listing it, and only that one.
import { readFileSync } from 'node:fs';
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { breakFleet, provisionFleet, watchListFile } from '../../local/fleet/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { ensureLambdaRole } from '../../local/moto.js';
import type { Workload } from '../../shared/fleet/workload.js';
import { uniqueName } from '../support/names.js';

const lambda = new LambdaClient({});

/** The sample alarm notification, renamed. */
function alarmEvent(alarmName: string): object {
  const event = JSON.parse(readFileSync('events/sns/alarm-rollback-alarm.json', 'utf8'));
  const message = JSON.parse(event.Records[0].Sns.Message);
  message.AlarmName = alarmName;
  event.Records[0].Sns.Message = JSON.stringify(message);
  return event;
}

describe('the fleet function (against the emulator)', () => {
  let state: EmulatorState;
  let declared: Workload;
  let tagged: Workload;

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('fleeth'),
    });
    const role = await ensureLambdaRole(String(process.env.AWS_ENDPOINT_URL));
    [declared, tagged] = (await provisionFleet({
      prefix: uniqueName('fh'),
      members: [{ name: uniqueName('declared') }, { name: uniqueName('tagged'), tags: { team: 'growth' } }],
      lambdaFor: () => lambda,
      roleFor: () => role,
    })) as [Workload, Workload];
  });

  afterAll(() => lambda.destroy());

  async function invoke(event: object, env: Record<string, string>) {
    const outcome = await invokeFunction({
      logicalId: 'FleetFunction',
      event,
      state,
      envVars: { FleetFunction: env },
    });
    return outcome.result as Record<string, unknown> & { workloads?: { workload: string }[] };
  }

  const file = (alarms: string[]) =>
    JSON.stringify(watchListFile({ accounts: {}, workloads: [{ ...declared, alarms }] }));

  // A function found by its runbook:watch tag is not here: moto without Docker keeps Lambda functions where its
  // Resource Groups Tagging API does not look (GetResources answers none), so discovery is covered with
  // aws-sdk-client-mock in test/unit/fleet-discovery.test.ts.
  it('watches the stack’s workload and the file’s', async () => {
    // Act
    const status = await invoke(
      { actor: 'cli:test@ci', action: 'status', all: true },
      { WATCH_LIST: file([]) },
    );

    // Assess
    const names = (status.workloads ?? []).map((line) => line.workload);
    expect(names).toEqual(expect.arrayContaining(['workload', declared.name]));
  });

  it('routes an alarm to the one workload that lists it, and rolls back only that one', async () => {
    // Prepare
    const alarm = uniqueName('orders-errors');
    const broken = await breakFleet([declared, tagged], () => lambda);

    // Act
    const answer = await invoke(alarmEvent(alarm), { WATCH_LIST: file([`${alarm.slice(0, 12)}*`]) });

    // Assess
    expect(answer).toMatchObject({ acknowledged: true, acted: true, counts: { succeeded: 1 } });
    const serving = async (workload: Workload) =>
      (await lambda.send(new GetAliasCommand({ FunctionName: workload.functionName, Name: 'live' })))
        .FunctionVersion;
    expect(await serving(declared)).toBe(String(Number(broken[declared.name]) - 1));
    expect(await serving(tagged)).toBe(broken[tagged.name]);
  });

  it('acknowledges an alarm no workload lists, and leaves the stack’s own alarm to the single-workload functions', async () => {
    // Act
    const stranger = await invoke(alarmEvent(uniqueName('nobody')), { WATCH_LIST: file([]) });
    const own = await invoke(alarmEvent(String(state.resources.WorkloadErrorsAlarm?.ref)), {
      WATCH_LIST: file([]),
    });

    // Assess
    expect(stranger).toMatchObject({
      acknowledged: true,
      acted: false,
      why: expect.stringContaining('no watched workload lists'),
    });
    expect(own).toMatchObject({ acknowledged: true, acted: false });
  });

  it('answers a watch list whose two workloads share a function and alias with a configuration error naming both, not an InternalError', async () => {
    // Prepare
    const twice = JSON.stringify({
      workloads: [
        { name: 'orders', functionName: declared.functionName },
        { name: 'payments', functionName: declared.functionName },
      ],
    });

    // Act
    const answer = await invoke({ actor: 'cli:test@ci', action: 'status', all: true }, { WATCH_LIST: twice });

    // Assess
    expect(answer).toMatchObject({
      ok: false,
      error: { code: 'ConfigurationError', field: 'WATCH_LIST.workloads.1.functionName' },
    });
    const message = String((answer.error as { message: string }).message);
    expect(message).toContain('workload orders (workloads.0)');
    expect(message).toContain('workload payments cannot watch it too');
  });

  it('with malformed freeze windows, still rolls back and refuses a drain naming FREEZE_WINDOWS', async () => {
    // Prepare
    const env = { WATCH_LIST: file([]), FREEZE_WINDOWS: 'weekdays 09:25 UTC' };

    // Act
    const rollback = await invoke(
      {
        actor: 'cli:test@ci',
        action: 'rollback',
        workloads: ['workload'],
        reason: 'bad deploy',
        dryRun: true,
      },
      env,
    );
    const drain = await invoke(
      { actor: 'cli:test@ci', action: 'drain', workloads: ['workload'], reason: 'replay' },
      env,
    );

    // Assess
    expect(rollback).toMatchObject({ ok: true, selected: 1 });
    expect(drain).toMatchObject({
      counts: { succeeded: 0, failed: 1 },
      workloads: [
        {
          workload: 'workload',
          outcome: 'failed',
          error: {
            code: 'ConfigurationError',
            message: expect.stringMatching(/^FREEZE_WINDOWS\[0\]\.end: the window has no end/),
          },
        },
      ],
    });
  });

  it('refuses a selector naming nothing real with a 400 naming the field', async () => {
    // Act
    const answer = await invoke(
      { actor: 'cli:test@ci', action: 'rollback', workloads: ['nope'], reason: 'bad name' },
      { WATCH_LIST: file([]) },
    );

    // Assess
    expect(answer).toMatchObject({ ok: false, error: { code: 'ValidationError', field: 'workloads.0' } });
  });

  it('refuses a direct fleet action whose workload actions the deployment requires the API for, before any call', async () => {
    // Prepare
    const before = (
      await lambda.send(new GetAliasCommand({ FunctionName: declared.functionName, Name: 'live' }))
    ).FunctionVersion;
    const env = { WATCH_LIST: file([]), REQUIRE_API_FOR: 'rollback' };

    // Act
    const refused = await invoke(
      { actor: 'cli:test@ci', action: 'rollback', workloads: [declared.name], reason: 'direct' },
      env,
    );
    const dryRun = await invoke(
      { actor: 'cli:test@ci', action: 'rollback', workloads: [declared.name], reason: 'look', dryRun: true },
      env,
    );

    // Assess
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'Forbidden', message: expect.stringContaining('POST /fleet/rollback') },
    });
    expect(dryRun).toMatchObject({ ok: true, dryRun: true, selected: 1 });
    expect(
      (await lambda.send(new GetAliasCommand({ FunctionName: declared.functionName, Name: 'live' })))
        .FunctionVersion,
    ).toBe(before);
  });
});
