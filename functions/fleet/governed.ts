// The approval gate of a fleet run (issue 18): a fleet disable or drain whose per-workload actions need approval
// under the deployment's policy — as the kill switch's and the drainer's own rules say (killswitch/governed.ts,
// dlq-drainer/governed.ts) — is held as ONE pending request for the whole run. Its plan is the resolved workload
// list and, per workload, what each of its own actions' plans reads (the same plan code a dry run runs, reads
// only); the request is pinned to that list, so an approved run acts on exactly those workloads, never on the
// selector evaluated again. Approved, the run is planned afresh and carried out only if that plan reads as the
// approved one did; otherwise it is recorded as a new pending request (shared/approval/hold.ts).
//
// Never held: rollback (it must stay one command); enable and undo (they put back what a disable or a rollback
// changed: they reduce risk); a dry run; an alarm's run (a machine cannot wait for people, as for the single
// actions); a break-glass run (recorded and notified as such); a continuation (its first part passed the gate).
import { createHash } from 'node:crypto';
import { type ApprovalDeps, type Governed, type Held, holdForApproval } from '../../shared/approval/hold.js';
import type { ApprovalPolicy } from '../../shared/approval/policy.js';
import { newAuditId } from '../../shared/audit.js';
import { RunbookError } from '../../shared/errors.js';
import { accountOf } from '../../shared/fleet/select.js';
import type { Workload } from '../../shared/fleet/workload.js';
import type { Origin } from '../../shared/origin.js';
import { mapSettled } from '../../shared/rate.js';
import { parseInput } from '../../shared/validate.js';
import { drainGoverned } from '../dlq-drainer/governed.js';
import { planDrain } from '../dlq-drainer/plan.js';
import { planDisable } from '../killswitch/disable.js';
import { disableGoverned } from '../killswitch/governed.js';
import { paced } from '../killswitch/killswitch.js';
import { killSwitchRequestSchema } from '../killswitch/schema.js';
import { CONTINUE_MARGIN_MS } from './continue.js';
import { drainOf } from './drain.js';
import { depsFor, disableFields, groupsExist, partsOf } from './killswitch.js';
import { FLEET_TARGET } from './record.js';
import { errorOf, runFleet, selected } from './run.js';
import type { FleetRequest } from './schema.js';
import type { FleetDeps, FleetResult, PerWorkload } from './types.js';

/** One of a workload's actions as its own plan reads it: the single action's record of a pending request. */
interface PartPlan {
  target: string;
  before: unknown;
  after: unknown;
  details?: unknown;
}

/** What one workload's part of the run would change, and why it needs approval. */
export interface WorkloadPlan {
  workload: string;
  account: string;
  needs: string[];
  parts: PartPlan[];
  /** How much it would change: schedules to stop, or messages to redrive at most. */
  count: number;
  /** Its plan could not be read: the run would fail this workload too (recorded, so a change is seen). */
  error?: { code: string; message: string };
}

export interface FleetPlan {
  /** The request pinned to the resolved workloads: what an approval carries out. */
  request: FleetRequest;
  origin: Origin;
  auditId: string;
  workloads: Workload[];
  lines: WorkloadPlan[];
}

type Planner = (
  deps: FleetDeps,
  workload: Workload,
  context: {
    request: FleetRequest;
    origin: Origin;
    fleetAuditId: string;
    policy: ApprovalPolicy;
    /** Workloads planned side by side: they share the kill switch's read rate, as the run's do (run.ts). */
    inFlight: number;
  },
) => Promise<Pick<WorkloadPlan, 'needs' | 'parts' | 'count'>>;

/** Each of the workload's kill switches, planned by the kill switch itself. */
const planDisableWorkload: Planner = async (
  deps,
  workload,
  { request, origin, fleetAuditId, policy, inFlight },
) => {
  const parts = partsOf(workload);
  if (parts.length > 0) await groupsExist(deps, workload);
  const planned = { needs: [] as string[], parts: [] as PartPlan[], count: 0 };
  for (const [index, part] of parts.entries()) {
    const ask = parseInput(
      killSwitchRequestSchema,
      disableFields(workload, part, index, request, fleetAuditId),
    );
    const reserve = deps.apiCall ? 0 : undefined; // inside an API call, see planMarginMs
    const ksDeps = paced(await depsFor(deps, workload, part, inFlight, reserve));
    const plan = await planDisable(ksDeps, { request: ask, origin });
    // Schedules left unread for want of time make a partial plan: neither to hold nor to compare with an
    // approved one (it would read as stale, and be asked for again, partial). The whole plan is refused instead.
    const unread = plan.results.filter((result) => result.outcome === 'skipped').length;
    if (unread > 0) throw new PlanCutShortError(workload.name, unread);
    // Read again for an approved run, a schedule that could not be read (a 5xx, a throttle past its retries)
    // would make the plan differ from the approved one: re-planned as "stale" for a fault, not a change. The
    // run is refused instead, saying which read failed; the request is asked for again once it reads.
    const failed = origin.approval ? plan.results.filter((result) => result.outcome === 'failed') : [];
    if (failed[0]) throw new PlanUnreadableError(workload.name, failed.length, failed[0].error);
    const { target, before, after, details } = disableGoverned.describe(plan);
    planned.needs.push(...disableGoverned.needs(plan, policy));
    planned.parts.push({ target, before, after, details });
    planned.count += plan.toDisable.length;
  }
  return planned;
};

/** Each of the workload's DLQs, planned by the drainer itself (a freeze asks for approval through the API). */
const planDrainWorkload: Planner = async (deps, workload, { request, origin, fleetAuditId, policy }) => {
  const planned = { needs: [] as string[], parts: [] as PartPlan[], count: 0 };
  for (const dlq of workload.dlqs) {
    const one = await drainOf(deps, workload, dlq, { request, origin, fleetAuditId });
    const drainDeps = {
      ...one.deps,
      freezeNeedsApproval: origin.door === 'api' && !one.deps.freeze.override,
    };
    const plan = await planDrain(drainDeps, { request: one.request, origin, mode: 'drain' });
    const { target, before, after } = drainGoverned.describe(plan);
    planned.needs.push(...drainGoverned.needs(plan, policy));
    planned.parts.push({ target, before, after });
    planned.count += Math.min(plan.atStart, plan.limit);
  }
  return planned;
};

/** A workload's plan read only in part before the invocation's time ran out. */
class PlanCutShortError extends RunbookError {
  constructor(workload: string, unread: number) {
    super(`${workload}: ${unread} schedule(s) unread when the time ran out`, {
      statusCode: 409,
      code: 'PlanTooLarge',
      field: 'workloads',
    });
  }
}

/** An approved run's fresh plan with schedules it could not read: neither carried out nor taken for stale. */
class PlanUnreadableError extends RunbookError {
  constructor(workload: string, failed: number, first: string | undefined) {
    super(
      `the estate could not be read again in full, so the approved plan is neither carried out nor re-planned: ${workload}: ${failed} schedule(s) unreadable${first ? ` (${first})` : ''}. Nothing was changed; ask again`,
      // 409, not 5xx: the request is settled failed with this reason; a retried message would find it so.
      { statusCode: 409, code: 'PlanUnreadable', field: 'workloads' },
    );
  }
}

const PLANNERS: Partial<Record<FleetRequest['action'], Planner>> = {
  disable: planDisableWorkload,
  drain: planDrainWorkload,
};

/** Time a plan leaves the run after it, beyond the run's own margin (CONTINUE_MARGIN_MS). */
const RUN_HEADROOM_MS = 5_000;

/**
 * Time a plan read inside an API call leaves: enough to record the pending request (the approval store, the
 * ledger, the notification: a few calls) before API Gateway answers for it. There, CONTINUE_MARGIN_MS and
 * RUN_HEADROOM_MS would leave a plan 3 s of the call's 28 s: PlanTooLarge for any real fleet.
 */
export const HOLD_MARGIN_MS = 5_000;

/**
 * When a plan stops reading. With the function's whole timeout: early enough that a run following it still acts
 * on a first workload before the run's own margin, and so continues itself (continue.ts) instead of doing
 * nothing. Inside an API call (28 s, shared/api-budget.ts) a plan that is held needs only HOLD_MARGIN_MS after
 * it; one that is not held and leaves the run no time to start continues from the queue with the whole
 * timeout (continue.ts nextPart). The kill switch's own plan stops 5 s before the deadline it is given
 * (shared/rate.ts), so inside an API call it is given the call's (depsFor's reserve 0).
 */
const planMarginMs = (deps: FleetDeps) =>
  deps.apiCall ? HOLD_MARGIN_MS : CONTINUE_MARGIN_MS + RUN_HEADROOM_MS;

/** The most distinct reasons a held request lists; the record has every workload's. */
const MAX_NEEDS = 10;

/** Why the run needs approval: each reason once, with the workloads it applies to. */
function needsOf(lines: readonly WorkloadPlan[]): string[] {
  const by = new Map<string, string[]>();
  for (const line of lines)
    for (const need of new Set(line.needs)) by.set(need, [...(by.get(need) ?? []), line.workload]);
  const needs = [...by].map(([need, names]) => {
    const shown = names.slice(0, 5).join(', ');
    return `${need} (${shown}${names.length > 5 ? ` and ${names.length - 5} more` : ''})`;
  });
  if (needs.length <= MAX_NEEDS) return needs;
  return [
    ...needs.slice(0, MAX_NEEDS),
    `and ${needs.length - MAX_NEEDS} more: the request's record lists each`,
  ];
}

/** Every workload's plan in one digest: a change in any of them makes the approved plan stale. */
const digestOf = (lines: readonly WorkloadPlan[]) =>
  createHash('sha256')
    .update(
      JSON.stringify(lines.map(({ workload, account, parts, error }) => [workload, account, parts, error])),
    )
    .digest('hex');

/**
 * A fleet drain is judged whole too: its DLQs, each under ApprovalDrainAbove, may redrive many times that
 * together — the sum of each queue's messages up to its limit is held against the same threshold a single
 * drain's is (RUNBOOK.md section 9).
 */
function drainTotalNeeds(plan: FleetPlan, policy: ApprovalPolicy): string[] {
  if (plan.request.action !== 'drain') return [];
  const total = plan.lines.reduce((sum, line) => sum + line.count, 0);
  const queues = plan.lines.reduce((sum, line) => sum + line.parts.length, 0);
  if (total <= policy.drainAbove) return [];
  return [
    `a fleet drain of up to ${total} messages over ${queues} DLQ(s) is above ApprovalDrainAbove (${policy.drainAbove}) in all`,
  ];
}

export const fleetGoverned: Governed<FleetPlan> = {
  action: 'fleet',
  route: 'POST /fleet/…',
  needs: (plan, policy) => {
    const each = needsOf(plan.lines);
    // The total's reason only when no queue alone already needs approval for its size: one reason, not two.
    return each.some((need) => need.includes('ApprovalDrainAbove'))
      ? each
      : [...drainTotalNeeds(plan, policy), ...each];
  },
  describe: (plan) => ({
    action: `fleet.${plan.request.action}`,
    reason: plan.request.reason ?? '',
    target: FLEET_TARGET,
    request: plan.request,
    // Bounded whatever the fleet's size: counts and a digest here, every workload's plan in details (paged).
    before: { workloads: plan.lines.length, plan: digestOf(plan.lines) },
    after: {
      workloads: plan.lines.filter((line) => line.count > 0).length,
      [plan.request.action === 'drain' ? 'messagesUpTo' : 'schedules']: plan.lines.reduce(
        (sum, line) => sum + line.count,
        0,
      ),
    },
    details: { workloads: plan.lines },
  }),
};

/** The gate's name and route for this run's action (`fleet.disable`, POST /fleet/disable). */
const governedFor = (action: FleetRequest['action']): Governed<FleetPlan> => ({
  ...fleetGoverned,
  action: `fleet.${action}`,
  route: `POST /fleet/${action} (runbook fleet ${action} … --stack NAME)`,
});

/**
 * Whether this run may have to wait for approval, before reading any plan: a kill switch's needs depend on the
 * policy and the request alone (killswitch/governed.ts), a drain's on each queue's depth and the freezes.
 */
function mayHold(request: FleetRequest, origin: Origin, policy: ApprovalPolicy): boolean {
  if (origin.approval) return true; // its plan must be read again, to be compared with the approved one
  if (request.breakGlass || origin.door === 'alarm') return false;
  if (request.action === 'disable')
    return (
      policy.actions.has('schedules.disable') ||
      (request.throttle && policy.actions.has('killswitch.throttle'))
    );
  return true;
}

/** The selection as workload names, and nothing else that would select again. */
function pinned(request: FleetRequest, workloads: readonly Workload[]): FleetRequest {
  const { tags: _tags, all: _all, deployedSince: _since, accounts: _accounts, ...rest } = request;
  return { ...rest, workloads: workloads.map((workload) => workload.name) };
}

/**
 * Why a plan was not read in full, and what the requester can do: fewer workloads at a time, unless one workload
 * alone is too large to read in the time (inside an API call, 28 s: about 3,000 schedules for a fleet of one,
 * at the kill switch's read rate) — then only break-glass acts on it.
 */
function planTooLarge(workloads: number, unread: number, apiCall: boolean): string {
  const where = apiCall
    ? "within this API call's 28 s (API Gateway answers for it at 30 s)"
    : 'in this invocation';
  const what = `reading the plan of ${workloads} workload(s) did not finish ${where} (${unread} unread): nothing was changed`;
  return workloads > 1
    ? `${what}. Ask for fewer workloads at a time, or act alone with breakGlass: { reason }`
    : `${what}. This workload's plan is too large to read for an approval ${apiCall ? 'inside an API call' : 'here'}: act alone with breakGlass: { reason } (runbook fleet … --break-glass REASON), recorded and notified as such`;
}

/** Reads every workload's plan (reads only), side by side as the run itself would act. */
async function planFleet(
  deps: FleetDeps,
  request: FleetRequest,
  origin: Origin,
  planner: Planner,
  policy: ApprovalPolicy,
): Promise<FleetPlan> {
  const workloads = await selected(deps, request);
  const auditId = newAuditId(deps.now());
  // Near the deadline no other workload's plan is read: a partial plan can be neither held nor compared
  // (planMarginMs says when). An approved run has the approvals function's whole timeout (it is carried out
  // from the approved-run queue, never inside the API call: functions/approvals/later.ts), so its margin is
  // reached only by a plan of minutes.
  const shouldStop = () => deps.remainingMs !== undefined && deps.remainingMs() < planMarginMs(deps);
  const settled = await mapSettled(
    workloads,
    { concurrency: deps.config.concurrency, shouldStop },
    // A fleet of one reads at the kill switch's whole rate, not the eighth of it a full fleet's workloads each get.
    (workload) =>
      planner(deps, workload, {
        request,
        origin,
        fleetAuditId: auditId,
        policy,
        inFlight: Math.min(deps.config.concurrency, workloads.length),
      }),
  );
  const unreadable = settled.find(
    (item) => item.status === 'error' && item.error instanceof PlanUnreadableError,
  );
  if (unreadable?.status === 'error') throw unreadable.error;
  const unread = settled.filter(
    (item) =>
      item.status === 'skipped' || (item.status === 'error' && item.error instanceof PlanCutShortError),
  ).length;
  if (unread > 0)
    throw new RunbookError(planTooLarge(workloads.length, unread, deps.apiCall === true), {
      statusCode: 409,
      code: 'PlanTooLarge',
      field: 'workloads',
    });
  const lines = settled.map((item, index): WorkloadPlan => {
    const workload = workloads[index] as Workload;
    const base = { workload: workload.name, account: accountOf(workload) };
    if (item.status === 'ok') return { ...base, ...item.value };
    const error = errorOf(item.status === 'error' ? item.error : undefined);
    return { ...base, needs: [], parts: [], count: 0, error };
  });
  return { request: pinned(request, workloads), origin, auditId, workloads, lines };
}

/**
 * A fleet run through the approval gate: held (one pending request, 202 through the API; a direct invocation
 * that needs approval is refused 403), or carried out over the planned workloads.
 */
export async function governedFleet(
  deps: FleetDeps,
  request: FleetRequest,
  origin: Origin,
  perWorkload: PerWorkload,
): Promise<FleetResult | Held> {
  const planner = PLANNERS[request.action];
  const approval = deps.approval;
  if (!planner || !approval || request.dryRun || !mayHold(request, origin, approval.policy))
    return runFleet(deps, request, origin, perWorkload);
  const plan = await planFleet(deps, request, origin, planner, approval.policy);
  const gate: ApprovalDeps = { ...approval, ledger: deps.ledger, now: deps.now };
  const held = await holdForApproval(governedFor(request.action), gate, plan);
  if (held) return held;
  return runFleet(deps, plan.request, origin, perWorkload, plan.workloads);
}
