// Fleet rollback: each selected workload's alias back on its own known-good version, by the rollback's own
// action (functions/rollback: its rules, cool-down, in-flight deployment stop and audit record), run in the
// workload's account. The fleet adds only the selection, the budget and the record of the whole.
import { rollback } from '../rollback/rollback.js';
import type { RollbackResult } from '../rollback/types.js';
import type { PerWorkload, WorkloadResult } from './types.js';

export const rollbackWorkload: PerWorkload = async (deps, workload, { request, origin, fleetAuditId }) => {
  const clients = await deps.clientsFor(workload.account);
  const config = {
    watchedFunction: workload.functionName,
    rollbackAlarms: deps.config.rollbackAlarms,
    cooldownMinutes: deps.config.cooldownMinutes,
    ...(workload.codeDeploy ? { codeDeployApplication: workload.codeDeploy.application } : {}),
    ...(workload.account ? { account: workload.account } : {}),
    workload: workload.name,
  };
  const result = await rollback(
    {
      lambda: clients.lambda,
      codedeploy: clients.codedeploy,
      ledger: deps.ledger,
      logger: deps.logger,
      metrics: deps.metrics,
      now: deps.now,
      config,
    },
    {
      functionName: workload.functionName,
      alias: workload.alias,
      reason: `${request.reason ?? ''} (fleet ${fleetAuditId})`.trim(),
      dryRun: request.dryRun,
      force: request.force,
      ...(request.toVersion ? { toVersion: request.toVersion } : {}),
    },
    origin,
  );
  return workloadLine(workload.name, workload.account, result);
};

function workloadLine(name: string, account: string | undefined, result: RollbackResult): WorkloadResult {
  const base = { workload: name, account: account ?? 'self', auditId: result.auditId };
  const move = `${result.alias} ${result.fromVersion} → ${result.toVersion} (${result.why})`;
  // Already where a rollback would put it (no weights, nothing deploying): a dry run has nothing to plan either.
  const settled =
    result.fromVersion === result.toVersion &&
    Object.keys(result.clearedWeights).length === 0 &&
    result.stoppedDeploymentId === undefined;
  if (settled && !result.heldByCooldown)
    return { ...base, outcome: 'unchanged', summary: `${result.alias} already on ${result.toVersion}` };
  if (result.dryRun) return { ...base, outcome: 'planned', summary: `would move ${move}` };
  if (result.heldByCooldown)
    return {
      ...base,
      outcome: 'unchanged',
      summary: `held by the cool-down until ${result.heldByCooldown.until}`,
    };
  if (!result.changed)
    return { ...base, outcome: 'unchanged', summary: `${result.alias} already on ${result.toVersion}` };
  return {
    ...base,
    outcome: 'succeeded',
    summary: `moved ${move}`,
    ...(result.undo ? { undo: result.undo } : {}),
    restore: { kind: 'rollback', toVersion: result.fromVersion },
  };
}
