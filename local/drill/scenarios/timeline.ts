// The last scenario of the game day: the postmortem. The incident timeline of the whole drill, read as
// `runbook timeline` reads it (the ledger, the CodeDeploy simulator, CloudWatch's alarm history from the
// stand-in), must list every ledger record, every deployment with its lifecycle events and every state change
// of a watched alarm, in the order they happened. The truth it is checked against is read the expensive way
// (a Scan of the ledger, the simulator's whole deployment list, the stand-in's whole history).
import { CloudWatchClient, DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { readTimeline } from '../../../shared/timeline/read.js';
import { watchedWorkloads } from '../../../shared/timeline/workloads.js';
import { localCodeDeploy } from '../../codedeploy/local.js';
import { emulatorClientConfig } from '../../emulator/provision.js';
import { stackSettings } from '../../emulator/settings.js';
import type { DrillContext, Scenario } from '../scenario.js';

async function truth(ctx: DrillContext, since: Date, until: Date) {
  const local = await localCodeDeploy(ctx.state);
  const config = emulatorClientConfig(ctx.state);
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(config));
  const codedeploy = new CodeDeployClient({ ...config, endpoint: local.simulator.endpoint });
  const cloudwatch = new CloudWatchClient({ ...config, endpoint: local.cloudwatchEndpoint });
  try {
    const tableName = String(ctx.state.resources.AuditTable?.ref);
    const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
    const { deployments = [] } = await codedeploy.send(new ListDeploymentsCommand({}));
    const { AlarmHistoryItems = [] } = await cloudwatch.send(
      new DescribeAlarmHistoryCommand({ HistoryItemType: 'StateUpdate', MaxRecords: 100 }),
    );
    const timeline = await readTimeline(
      { dynamo, codedeploy, cloudwatch, tableName },
      { since, until, workloads: watchedWorkloads(stackSettings(ctx.state), undefined) },
    );
    const records = Items.filter((item) => typeof item.action === 'string' && item.at >= since.toISOString());
    return { timeline, records, deployments, alarmItems: AlarmHistoryItems };
  } finally {
    dynamo.destroy();
    codedeploy.destroy();
    cloudwatch.destroy();
  }
}

export const timelineScenarios: Scenario[] = [
  {
    name: 'timeline.postmortem',
    summary: 'write the postmortem: every action, deployment and alarm of the drill in one ordered timeline',
    async run(ctx: DrillContext) {
      const until = new Date();
      const since = new Date(until.getTime() - 3 * 3_600_000);
      const { timeline, records, deployments, alarmItems } = await truth(ctx, since, until);
      const of = (kind: string) => timeline.entries.filter((entry) => entry.kind === kind);
      ctx.expect(timeline.gaps.length === 0, `sources not read: ${JSON.stringify(timeline.gaps)}`);
      ctx.expect(timeline.omitted === 0, `${timeline.omitted} entries left out`);
      const listed = new Set(of('action').map((entry) => entry.ref));
      const missing = records.filter((record) => !listed.has(String(record.auditId)));
      ctx.expect(missing.length === 0, `ledger records missing: ${missing.map((r) => r.action).join(', ')}`);
      const deployed = new Set(of('deployment').map((entry) => entry.ref));
      ctx.expect(
        deployments.every((id) => deployed.has(id)),
        `deployments missing: ${deployments.filter((id) => !deployed.has(id)).join(', ')}`,
      );
      const watched = alarmItems.filter((item) =>
        item.AlarmName?.startsWith(`${ctx.state.stackName}-workload-`),
      );
      ctx.expect(
        of('alarm').length === watched.length,
        `${of('alarm').length} alarm state changes listed, the history holds ${watched.length}`,
      );
      const times = timeline.entries.map((entry) => Date.parse(entry.at));
      ctx.expect(
        times.every((time, i) => i === 0 || time >= (times[i - 1] as number)),
        'the entries are not in time order',
      );
      ctx.step(
        `timeline: ${of('alarm').length} alarm state changes, ${deployments.length} deployments (${of('lifecycle').length} lifecycle events), ${records.length} ledger records — all listed, in order`,
      );
    },
  },
];
