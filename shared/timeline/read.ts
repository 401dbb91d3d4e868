// The incident timeline, read: the ledger's actions, the watched workloads' deployments and lifecycle events,
// and their alarms' state changes, merged into one ordered, bounded account (merge.ts). Clients are injected:
// the CLI passes the operator's own (as `aws` would use them); a function could pass its own. A source that
// cannot be read (a missing permission, an API the emulator lacks) becomes a gap the timeline states; it never
// fails the others.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Workload } from '../fleet/workload.js';
import { readAlarms } from './alarms.js';
import { readDeployments } from './deployments.js';
import type { Timeline, TimelineGap } from './entry.js';
import { describe } from './gather.js';
import { readLedger } from './ledger.js';
import { MAX_ENTRIES, mergeTimeline } from './merge.js';

export interface TimelineDeps {
  dynamo: DynamoDBDocumentClient;
  codedeploy: CodeDeployClient;
  cloudwatch: CloudWatchClient;
  /** The audit ledger's table. */
  tableName: string;
}

export interface TimelineRequest {
  since: Date;
  until: Date;
  /**
   * The watched workloads: the deployments and alarms of those in this account are read (a member account's
   * are there, for credentials of that account to read), and the actions recorded for any of them.
   */
  workloads: readonly Workload[];
  /** Only the ledger records that name one of `workloads` (a `--workload` selection), not every record. */
  onlyTheirActions?: boolean;
  limit?: number;
}

async function settle<T extends { unread: number; gaps: TimelineGap[] }>(
  source: string,
  read: Promise<T>,
): Promise<T | { entries: []; unread: 0; gaps: TimelineGap[] }> {
  try {
    return await read;
  } catch (error) {
    return { entries: [], unread: 0, gaps: [{ source, message: describe(error) }] };
  }
}

export async function readTimeline(deps: TimelineDeps, request: TimelineRequest): Promise<Timeline> {
  const limit = Math.min(request.limit ?? MAX_ENTRIES, MAX_ENTRIES);
  const window = { since: request.since, until: request.until, limit };
  // This ledger records what the runbook did in every account; CodeDeploy and CloudWatch answer for this one.
  const here = request.workloads.filter((workload) => workload.account === undefined);
  const [alarms, deployments, ledger] = await Promise.all([
    settle('CloudWatch', readAlarms(deps.cloudwatch, { ...window, workloads: here })),
    settle('CodeDeploy', readDeployments(deps.codedeploy, { ...window, workloads: here })),
    settle(
      'ledger',
      readLedger(
        { dynamo: deps.dynamo, tableName: deps.tableName },
        { ...window, ...(request.onlyTheirActions ? { workloads: request.workloads } : {}) },
      ),
    ),
  ]);
  return mergeTimeline({
    since: request.since,
    until: request.until,
    sources: [alarms.entries, deployments.entries, ledger.entries],
    unread: alarms.unread + deployments.unread + ledger.unread,
    limit,
    gaps: [...alarms.gaps, ...deployments.gaps, ...ledger.gaps],
  });
}
