// runbook timeline --since 2h [--until T] [--workload NAME …] [--format table|markdown|html [--out FILE]] [--json]
// The incident timeline: the ledger's actions (with their undo), the watched workloads' CodeDeploy deployments
// and lifecycle events, and their alarms' state changes, in one ordered account (shared/timeline/). It only
// reads, and it reads here, with the operator's own credentials (as `aws` would): the running emulator by
// default, or a deployed stack with --stack NAME (its AuditTable, and the watch settings of its functions).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, ValidationError } from '../shared/errors.js';
import type { Workload } from '../shared/fleet/workload.js';
import type { Timeline, TimelineGap } from '../shared/timeline/entry.js';
import { renderHtml } from '../shared/timeline/html.js';
import { counts, omittedLine, renderMarkdown } from '../shared/timeline/markdown.js';
import { MAX_ENTRIES, parseInstant } from '../shared/timeline/merge.js';
import { readTimeline } from '../shared/timeline/read.js';
import {
  SETTINGS_FROM,
  timelineSettings,
  WATCH_LIST_FROM,
  type WatchListFile,
  watchedWorkloads,
} from '../shared/timeline/workloads.js';
import type { Opts } from './opts.js';
import { escapeUnsafe, outputMode, printAnswer, printJson, printLine } from './output.js';
import {
  accountOf,
  explainAwsError,
  regionOf,
  runningEmulator,
  sayAwsTarget,
  sayTarget,
  TargetError,
} from './target.js';
import { timelineTable } from './timeline-table.js';

interface Source {
  tableName: string;
  /** The stack's settings: WATCHED_FUNCTION, ROLLBACK_ALARMS, KILLSWITCH_ALARMS, CODEDEPLOY/CANARY_*. */
  env: Record<string, string>;
}

class UsageError extends Error {}

async function emulatorSource(): Promise<Source> {
  const target = await runningEmulator();
  const state = target?.state;
  if (!target || !state) throw new TargetError('no emulator stack to read');
  sayTarget(`emulator at ${target.endpoint} (from ${target.from}), stack ${state.stackName} (read only)`);
  const { stackSettings } = await import('../local/emulator/settings.js');
  const env = stackSettings(state);
  return { tableName: String(state.resources.AuditTable?.ref ?? env.AUDIT_TABLE), env };
}

async function stackSource(stackName: string): Promise<Source> {
  const cloudformation = new CloudFormationClient({});
  const lambda = new LambdaClient({});
  try {
    const region = await regionOf(cloudformation);
    const { StackResources = [] } = await cloudformation.send(
      new DescribeStackResourcesCommand({ StackName: stackName }),
    );
    const physical = (id: string) =>
      StackResources.find((r) => r.LogicalResourceId === id)?.PhysicalResourceId;
    const tableName = physical('AuditTable');
    if (!tableName)
      throw new TargetError(`stack ${stackName} has no AuditTable: is it a lambda-runbook stack?`);
    const account = accountOf(StackResources[0]?.StackId) ?? 'your account';
    sayAwsTarget(
      `stack ${stackName} in account ${account}, region ${region}, with your AWS credentials (read only)`,
    );
    const variables = async (logicalId: string) => {
      const name = physical(logicalId);
      if (!name) return undefined;
      const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      return config.Environment?.Variables ?? {};
    };
    // Read side by side; the fleet's gives the stack's own workload whole and the WatchList parameter (an older
    // stack has no fleet).
    const read = await Promise.all([...SETTINGS_FROM, WATCH_LIST_FROM].map(variables));
    const fleet = read.pop();
    return { tableName, env: timelineSettings(read, fleet) };
  } finally {
    cloudformation.destroy();
    lambda.destroy();
  }
}

function readWatchListFile(path: string | undefined): WatchListFile | undefined {
  const file = resolve(path ?? 'watchlist.json');
  if (!existsSync(file)) {
    if (path) throw new UsageError(`--watch-list ${path}: no such file`);
    return undefined;
  }
  try {
    return { content: JSON.parse(readFileSync(file, 'utf8')), named: path !== undefined };
  } catch (error) {
    throw new UsageError(`${path ? `--watch-list ${path}` : file}: not JSON (${describe(error)})`);
  }
}

function select(workloads: Workload[], names: string[]): Workload[] {
  if (names.length === 0) return workloads;
  const unknown = names.filter((name) => !workloads.some((workload) => workload.name === name));
  if (unknown.length > 0)
    throw new UsageError(
      `--workload ${unknown.join(', ')}: not watched (watched: ${workloads.map((w) => w.name).join(', ') || 'none'})`,
    );
  return workloads.filter((workload) => names.includes(workload.name));
}

function windowOf(opts: Opts, now: Date) {
  const sinceText = String(opts.since ?? '2h');
  const since = parseInstant(sinceText, now);
  if (!since)
    throw new UsageError(
      `--since ${sinceText}: expected a duration (90m, 2h, 1d) or an ISO time with a zone`,
    );
  const until = opts.until === undefined ? now : parseInstant(String(opts.until), now);
  if (!until)
    throw new UsageError(
      `--until ${String(opts.until)}: expected a duration ago (30m) or an ISO time with a zone`,
    );
  if (until.getTime() < since.getTime()) throw new UsageError('--until is before --since');
  const limit = opts.limit === undefined ? MAX_ENTRIES : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ENTRIES)
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_ENTRIES}`);
  return { since, until, limit };
}

function print(timeline: Timeline, format: string, out: string | undefined): void {
  const document =
    format === 'markdown' ? renderMarkdown(timeline) : format === 'html' ? renderHtml(timeline) : undefined;
  if (document === undefined) {
    if (outputMode().json) printJson(timeline);
    else printLine(escapeUnsafe(timelineTable(timeline), '\n'));
    return;
  }
  if (out === undefined) {
    printLine(document.trimEnd());
    return;
  }
  // The document goes to the file; stdout keeps the command's answer (one JSON document when not a terminal).
  writeFileSync(out, document);
  const answer = {
    ok: true,
    format,
    out: resolve(out),
    since: timeline.since,
    until: timeline.until,
    entries: timeline.entries.length,
    omitted: timeline.omitted,
    gaps: timeline.gaps,
  };
  printAnswer(answer, () =>
    [
      `Wrote the ${format} timeline to ${answer.out}: ${counts(timeline)}.`,
      ...(omittedLine(timeline) ? [omittedLine(timeline) as string] : []),
      ...timeline.gaps.map((gap) => `not read: ${gap.source}: ${gap.message}`),
    ].join('\n'),
  );
}

export async function runTimeline(opts: Opts): Promise<number> {
  const format = String(opts.format ?? 'table');
  try {
    if (opts.json && format !== 'table' && opts.out === undefined)
      throw new UsageError(
        '--json prints the timeline as JSON: with --format markdown or html, give --out FILE',
      );
    if (opts.out !== undefined && format === 'table')
      throw new UsageError('--out writes a document: give --format markdown or html');
    const window = windowOf(opts, new Date());
    const names = (opts.workload as string[] | undefined) ?? [];
    const file = readWatchListFile(opts.watchList as string | undefined);
    const source = opts.stack ? await stackSource(String(opts.stack)) : await emulatorSource();
    const all = watchedWorkloads(source.env, file);
    const chosen = select(all, names);
    // A member account's deployments and alarms are in that account: these credentials read this one (its
    // actions are in this ledger, and readTimeline reads them).
    const elsewhere: TimelineGap[] = chosen
      .filter((workload) => workload.account !== undefined)
      .map((workload) => ({
        source: `workload ${workload.name} (account ${workload.account})`,
        message: 'its deployments and alarms are in that account: run this there to read them',
      }));
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const codedeploy = new CodeDeployClient({ maxAttempts: 2 });
    const cloudwatch = new CloudWatchClient({ maxAttempts: 2 });
    try {
      const timeline = await readTimeline(
        { dynamo, codedeploy, cloudwatch, tableName: source.tableName },
        { ...window, workloads: chosen, onlyTheirActions: names.length > 0 },
      );
      timeline.gaps.push(...elsewhere);
      print(timeline, format, opts.out === undefined ? undefined : String(opts.out));
    } finally {
      dynamo.destroy();
      codedeploy.destroy();
      cloudwatch.destroy();
    }
    return 0;
  } catch (error) {
    const message =
      error instanceof UsageError || error instanceof TargetError || error instanceof ValidationError
        ? error.message
        : (explainAwsError(error) ??
          (error instanceof Error ? `${error.name}: ${error.message}` : String(error)));
    process.stderr.write(`runbook: timeline: ${message}\n`);
    return 1;
  }
}
