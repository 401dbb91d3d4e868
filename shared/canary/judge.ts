// One look at a deployment's canary: read both versions' metrics since the deployment began, and judge.
// The watcher looks during the canary; the post-traffic hook takes the last look (`final`), after which a
// `not enough data` follows the configured policy.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { analyse, type Decision, decide, type Look, type Verdict } from './analysis.js';
import type { AnalystConfig } from './config.js';
import type { CanaryDeployment } from './deployment.js';
import { readVersionMetrics } from './metrics.js';

export interface Judgement {
  deploymentId: string;
  functionName: string;
  alias: string;
  canaryVersion: string;
  baselineVersion: string;
  look: Look;
  window: { start: string; end: string };
  verdict: Verdict;
  decision: Decision;
}

/**
 * Where this look falls in the canary: the share elapsed, and the share at the previous look (one poll
 * earlier). Without a known canary length (AllAtOnce, a custom configuration) only the last look is taken,
 * with the whole budget.
 */
export function lookAt(deployment: CanaryDeployment, now: Date, final: boolean, config: AnalystConfig): Look {
  const canaryMs = deployment.canaryMs;
  if (canaryMs === undefined) return { elapsed: 1, previous: 0 };
  const step = (config.lookSeconds * 1000) / canaryMs;
  const elapsed = final
    ? 1
    : Math.min(1, Math.max(0, (now.getTime() - deployment.createTime.getTime()) / canaryMs));
  return { elapsed, previous: Math.max(0, elapsed - step) };
}

export async function judgeCanary(
  deps: { cloudwatch: Pick<CloudWatchClient, 'send'>; config: AnalystConfig },
  deployment: CanaryDeployment,
  now: Date,
  final: boolean,
  signal?: AbortSignal,
): Promise<Judgement> {
  const { target } = deployment;
  const look = lookAt(deployment, now, final, deps.config);
  const window = { start: deployment.createTime, end: now };
  const metrics = await readVersionMetrics(
    deps.cloudwatch,
    {
      functionName: target.name,
      alias: target.alias,
      canaryVersion: target.targetVersion,
      baselineVersion: target.currentVersion,
      ...window,
      ...(deps.config.metrics.includes('latency') ? { latencyStatistic: deps.config.latencyStatistic } : {}),
    },
    signal,
  );
  const verdict = analyse({ ...metrics, look }, deps.config);
  return {
    deploymentId: deployment.deploymentId,
    functionName: target.name,
    alias: target.alias,
    canaryVersion: target.targetVersion,
    baselineVersion: target.currentVersion,
    look,
    window: { start: window.start.toISOString(), end: window.end.toISOString() },
    verdict,
    decision: decide(verdict, final, deps.config),
  };
}
