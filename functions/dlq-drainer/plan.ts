// The drain's plan: everything that can refuse the request happens here, before the first ReceiveMessage —
// every queue it names checked without a network call (a URL could name any host), then resolved by SQS, the
// target checked to exist. A peek or a dry run then surveys the queue (survey.ts): that survey is its answer.
import { newAuditId } from '../../shared/audit.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { FrozenError, refuseDuringFreeze } from '../../shared/freeze/guard.js';
import type { Origin } from '../../shared/origin.js';
import { checkQueues, type QueueRef, sqsEndpoint } from './queue-url.js';
import { depth, type Lookups, lookups, resolveQueue } from './reads.js';
import { recordFailedSurvey } from './record.js';
import type { DrainRequest } from './schema.js';
import { survey } from './survey.js';
import { newTally } from './tally.js';
import type { DrainDeps, DrainPlan, Mode } from './types.js';

const PEEK_DEFAULT_MAX = 100;

export interface DrainAsk {
  request: DrainRequest;
  origin: Origin;
  mode: Mode;
}

export async function planDrain(deps: DrainDeps, { request, origin, mode }: DrainAsk): Promise<DrainPlan> {
  const { config } = deps;
  // A change freeze refuses a drain before any call (or, asked through the API, makes it need approval); a peek
  // or a dry run changes nothing and may look.
  const frozen = mode !== 'peek' && !request.dryRun ? freezeCheck(deps, request) : undefined;
  const { source, target, targetField } = checkQueues(request, await sqsEndpoint(deps.sqs), config);
  const queueUrl = await resolveQueue(deps.sqs, source.name, 'queue');
  const atStart = await depth(deps.sqs, queueUrl, 'queue');
  const found = lookups(deps, queueUrl);
  const targetUrl = target ? await sqsTarget(deps, found, source, target, targetField) : undefined;
  await checkLambdaTarget(deps, found, request, mode);
  const plan: DrainPlan = {
    request,
    origin,
    mode,
    dryRun: mode === 'peek' || request.dryRun,
    auditId: newAuditId(deps.now()),
    queueName: source.name,
    queueUrl,
    atStart,
    ...(targetUrl !== undefined ? { targetUrl } : {}),
    limit: request.maxMessages ?? (mode === 'peek' ? PEEK_DEFAULT_MAX : config.maxMessages),
    maxAgeMs: (request.maxAgeSeconds ?? config.maxAgeSeconds) * 1000,
    ratePerSecond: request.ratePerSecond ?? config.ratePerSecond,
    concurrency: request.concurrency ?? config.concurrency,
    lookups: found,
    tally: newTally(),
    ...(frozen ? { frozen } : {}),
  };
  // The one place a dry run is decided: its answer is this survey, and act.ts never runs.
  if (plan.dryRun)
    plan.survey = await survey(deps, plan).catch((error) => recordFailedSurvey(deps, plan, error));
  return plan;
}

/** Throws FrozenError during a freeze, or, when a freeze only makes the drain need approval, says which. */
function freezeCheck(deps: DrainDeps, request: DrainRequest): string | undefined {
  try {
    refuseDuringFreeze(deps.freeze, deps.now(), `a drain of ${request.queue}`, deps);
    return undefined;
  } catch (error) {
    if (error instanceof FrozenError && deps.freezeNeedsApproval) return error.message;
    throw error;
  }
}

/** The SQS target's URL as SQS answers it; without an allow-list, only a source queue of the DLQ will do. */
async function sqsTarget(
  deps: DrainDeps,
  found: Lookups,
  source: QueueRef,
  target: QueueRef,
  targetField: string,
): Promise<string> {
  const targetUrl = await resolveQueue(deps.sqs, target.name, targetField);
  if (deps.config.allowedTargetQueues.length === 0 && !(await found.sources()).includes(targetUrl)) {
    throw new ValidationError(
      `${targetField}: ${target.name} is not a source queue of ${source.name} (its redrive policy does not name it)`,
      targetField,
    );
  }
  await depth(deps.sqs, targetUrl, targetField);
  return targetUrl;
}

/** The Lambda target the request names, or the configured one a drain would use, must exist. */
async function checkLambdaTarget(deps: DrainDeps, found: Lookups, request: DrainRequest, mode: Mode) {
  const { config } = deps;
  if (request.target?.type === 'lambda') {
    const qualifier = request.target.qualifier ?? config.targetQualifier;
    const problem = await found.lambdaProblem(request.target.functionName, qualifier);
    if (problem) {
      const field = problem.startsWith('no function') ? 'target.functionName' : 'target.qualifier';
      throw new NotFoundError(problem, field);
    }
  } else if (request.target === undefined && config.targetFunction && mode !== 'peek') {
    const problem = await found.lambdaProblem(config.targetFunction, config.targetQualifier);
    if (problem) throw new NotFoundError(`the configured target: ${problem}; give a target`, 'target');
  }
}
