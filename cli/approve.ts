// `runbook approve ID`, `runbook reject ID`, `runbook approval ID`: the approval routes of the ops API (issue 18).
// Through the API only: the approver is the SigV4 principal of your credentials, never a name you type. On the
// emulator the request is sent as API Gateway would send it, the principal being what STS says you are there.
import { dlqSummary } from './dlq.js';
import { fleetSummary } from './fleet-render.js';
import type { Opts, Run } from './opts.js';
import { outputMode } from './output.js';
import { killSwitchSummary, refusal, revokedSummary } from './render.js';
import {
  type Action,
  type Channel,
  type Outcome,
  openChannel,
  report,
  transportOrExplain,
} from './transport.js';

type Verb = 'approve' | 'reject' | 'status';

/** How long `runbook approve` waits for a run carried out off the API call, unless --wait says otherwise. */
export const DEFAULT_WAIT_SECONDS = 300;
const POLL_MS = 2_000;

export const runApproval =
  (verb: Verb): Run =>
  async (opts: Opts, deps) => {
    const id = opts.args[0] ?? '';
    const transport = transportOrExplain(opts);
    if (!transport) return 1;
    if (transport.via === 'lambda') {
      process.stderr.write(
        'runbook: approvals go through the ops API (the approver is the signed principal): use --stack NAME or --api-url URL\n',
      );
      return 1;
    }
    const wait = waitSecondsOf(opts.wait);
    if (wait === undefined) {
      process.stderr.write(`runbook: --wait must be a number of seconds, got ${String(opts.wait)}\n`);
      return 1;
    }
    const reason = typeof opts.reason === 'string' ? { reason: opts.reason } : {};
    const channel = await openChannel(transport, deps);
    try {
      const outcome = await channel.send(approvalAction(id, verb, reason));
      if (verb !== 'approve' || outcome.refused || !isCarrying(outcome.result) || wait === 0)
        return report(outcome, approvalSummary);
      return report(await untilCarriedOut(channel, id, outcome, wait), approvalSummary);
    } finally {
      await channel.close();
    }
  };

function waitSecondsOf(value: unknown): number | undefined {
  if (value === undefined) return DEFAULT_WAIT_SECONDS;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 && seconds <= 3600 ? seconds : undefined;
}

function approvalAction(id: string, verb: Verb, request: Record<string, unknown>): Action {
  const path = `/approvals/${encodeURIComponent(id)}${verb === 'status' ? '' : `/${verb}`}`;
  return {
    logicalId: 'ApprovalsFunction',
    route: { method: verb === 'status' ? 'GET' : 'POST', path },
    request,
    apiOnly: {
      routeKey: verb === 'status' ? 'GET /approvals/{id}' : `POST /approvals/{id}/${verb}`,
      params: { id },
    },
  };
}

/** The approving vote's answer when the run is carried out off the API call (202, status approved). */
const isCarrying = (result: unknown) => isRecord(result) && result.carrying === true;
const isUnderWay = (result: unknown) =>
  isRecord(result) && (result.status === 'approved' || result.status === 'executing');

/**
 * Follows a run carried out off the API call (GET /approvals/{id}) until it is settled or `seconds` pass: a
 * spinner on stderr on a terminal (nothing on stdout but the one answer, with --json too). Settled: the
 * request as it ended (executed with what the run changed and its undo, stale with the request to approve,
 * failed with why; exit 2 unless executed). Still under way: the request as it stands, and how to follow it.
 */
async function untilCarriedOut(
  channel: Channel,
  id: string,
  voted: Outcome,
  seconds: number,
): Promise<Outcome> {
  const follow = (voted.result as Record<string, unknown>).follow;
  const spinner = spin(id);
  const until = Date.now() + seconds * 1000;
  let last: Outcome = voted;
  try {
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, until - Date.now()))));
      const read = await channel.send(approvalAction(id, 'status', {}));
      if (read.refused || read.exitCode !== 0) return read;
      last = read;
      if (!isUnderWay(read.result)) {
        const status = (read.result as Record<string, unknown>).status;
        return { ...read, exitCode: status === 'executed' ? 0 : 2 };
      }
    }
  } finally {
    spinner();
  }
  return { ...last, result: { ...(last.result as Record<string, unknown>), follow, waited: seconds } };
}

/** A spinner on stderr while the run is followed, on a terminal only. */
function spin(id: string): () => void {
  if (!process.stderr.isTTY || outputMode().json) return () => undefined;
  const frames = ['|', '/', '-', '\\'];
  const started = Date.now();
  let frame = 0;
  const timer = setInterval(() => {
    const elapsed = Math.round((Date.now() - started) / 1000);
    process.stderr.write(
      `\r${frames[frame++ % frames.length]} approval ${id}: being carried out (${elapsed}s)`,
    );
  }, 250);
  return () => {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

type Obj = Record<string, unknown>;

/**
 * What a carried-out request changed, as its own command prints it (what changed, before → after, the undo),
 * by the approval's action.
 */
const CARRIED_OUT: Record<string, (answer: unknown) => string> = {
  'dlq.drain': dlqSummary,
  'schedules.disable': (answer) => killSwitchSummary(answer),
  'fleet.disable': (answer) => fleetSummary(answer),
  'fleet.drain': (answer) => fleetSummary(answer),
  'secret.revoke': revokedSummary,
};

function carriedOut(action: unknown, result: Obj, failed: boolean): string[] {
  // A run that failed is not "carried out": it was tried, and its record says what it did.
  const what = failed ? 'tried, and FAILED' : 'carried out';
  const render = CARRIED_OUT[String(action)];
  if (!render) return [`  ${what}: audit ${String(result.auditId)}`];
  const lines = render(result)
    .split('\n')
    .map((line) => `  ${line}`);
  return [`${what} (audit ${String(result.auditId)}):`, ...lines];
}

/** The answer for a person: where the request stands, who approved, and what was carried out. */
export function approvalSummary(answer: unknown): string {
  const refused = refusal(answer);
  if (refused) return refused;
  const value = (answer ?? {}) as Obj;
  const approvedBy = Array.isArray(value.approvedBy) ? (value.approvedBy as string[]) : [];
  const result = (value.result ?? undefined) as Obj | undefined;
  return [
    `approval ${String(value.approvalId)}: ${String(value.status)} — ${String(value.action)} on ${String(value.target)}`,
    `  asked by     ${String(value.requester)}`,
    `  approved by  ${approvedBy.length > 0 ? approvedBy.join(', ') : 'nobody yet'} (${approvedBy.length} of ${String(value.required)})`,
    `  expires      ${String(value.expiresAt)}`,
    ...(value.rejectedBy ? [`  rejected by  ${String(value.rejectedBy)}`] : []),
    ...(value.replannedAs
      ? [
          `  not carried out: the estate changed since the plan; re-planned as ${String(value.replannedAs)}`,
          `  approve it:   ${String(value.approve ?? `runbook approve ${String(value.replannedAs)}`)}`,
        ]
      : []),
    ...(value.status === 'failed' && value.why ? [`  failed:      ${String(value.why)}`] : []),
    ...(result ? carriedOut(value.action, result, value.status === 'failed') : []),
    ...(value.status === 'executed' && !result && value.resultAuditId
      ? [`  carried out: audit ${String(value.resultAuditId)}`]
      : []),
    ...(value.status === 'executing' && typeof value.follow !== 'string'
      ? ['  being carried out now: read it again to follow it']
      : []),
    ...(isUnderWay(value) && typeof value.follow === 'string'
      ? [
          value.waited === undefined
            ? `  being carried out: follow with ${value.follow}`
            : `  still being carried out after ${String(value.waited)}s: follow with ${value.follow}`,
        ]
      : []),
  ].join('\n');
}
