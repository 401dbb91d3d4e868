// `--deployed-since`: a workload whose alias only CodeDeploy moved in the window (no runbook record, a version
// published long ago) is selected by the deployment's AppSpec, read as the rollback reads it; another
// function's deployment in the same group is not this workload's.
import { CodeDeployClient, GetDeploymentCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { movedSince } from '../../functions/fleet/moved.js';
import type { AccountClients, FleetDeps } from '../../functions/fleet/types.js';
import type { Workload } from '../../shared/fleet/workload.js';

const lambda = mockClient(LambdaClient);
const codedeploy = mockClient(CodeDeployClient);
afterEach(() => {
  lambda.reset();
  codedeploy.reset();
});

const workload = (name: string): Workload => ({
  name,
  functionName: `${name}-fn`,
  alias: 'live',
  scheduleGroups: [],
  schedules: [],
  dlqs: [],
  alarms: [],
  killSwitchAlarms: [],
  codeDeploy: { application: 'trading', groups: ['trading-live'] },
  tags: {},
  source: 'file',
});

const appSpec = (functionName: string) =>
  JSON.stringify({
    version: 0.0,
    Resources: [
      {
        fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { Name: functionName, Alias: 'live', CurrentVersion: '6', TargetVersion: '7' },
        },
      },
    ],
  });

describe('movedSince', () => {
  it('selects the workload a deployment created in the window shifted, and not another in its group', async () => {
    // Prepare
    lambda.on(GetAliasCommand).resolves({ FunctionVersion: '7' });
    lambda.on(GetFunctionConfigurationCommand).resolves({ LastModified: '2026-01-01T00:00:00.000+0000' });
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-1'] });
    codedeploy.on(GetDeploymentCommand, { deploymentId: 'd-1' }).resolves({
      deploymentInfo: {
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec('orders-fn') } },
      },
    });
    const deps = {
      ledger: { list: async () => [], record: async () => ({}), get: async () => undefined },
      clientsFor: async () =>
        ({ lambda: new LambdaClient({}), codedeploy: new CodeDeployClient({}) }) as AccountClients,
      logger: { info: () => {}, warn: () => {} },
      now: () => new Date('2026-11-27T10:00:00Z'),
      config: { concurrency: 2, cooldownMinutes: 0, killSwitchAlarms: [], rollbackAlarms: [] },
      env: {},
    } as unknown as FleetDeps;

    // Act
    const moved = await movedSince(deps, [workload('orders'), workload('refunds')], 30);

    // Assess
    expect(moved.map((item) => item.name)).toEqual(['orders']);
    expect(codedeploy.commandCalls(ListDeploymentsCommand)[0]?.args[0].input).toEqual({
      applicationName: 'trading',
      deploymentGroupName: 'trading-live',
      createTimeRange: { start: new Date('2026-11-27T09:30:00Z') },
    });
  });
});
