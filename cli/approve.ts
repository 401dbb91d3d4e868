// `runbook approve ID`, `runbook reject ID`, `runbook approval ID`: the approval routes of the ops API (issue 18).
// Through the API only: the approver is the SigV4 principal of your credentials, never a name you type. On the
// emulator the request is sent as API Gateway would send it, the principal being what STS says you are there.
import { dlqSummary } from './dlq.js';
import { fleetSummary } from './fleet-render.js';
import type { Opts, Run } from './opts.js';
import { killSwitchSummary, refusal, revokedSummary } from './render.js';
import { send, transportOrExplain } from './transport.js';

type Verb = 'approve' | 'reject' | 'status';

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
    const reason = typeof opts.reason === 'string' ? { reason: opts.reason } : {};
    const path = `/approvals/${encodeURIComponent(id)}${verb === 'status' ? '' : `/${verb}`}`;
    return send(
      {
        logicalId: 'ApprovalsFunction',
        route: { method: verb === 'status' ? 'GET' : 'POST', path },
        request: reason,
        apiOnly: {
          routeKey: verb === 'status' ? 'GET /approvals/{id}' : `POST /approvals/{id}/${verb}`,
          params: { id },
        },
      },
      transport,
      deps,
      approvalSummary,
    );
  };

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

function carriedOut(action: unknown, result: Obj): string[] {
  const render = CARRIED_OUT[String(action)];
  if (!render) return [`  carried out: audit ${String(result.auditId)}`];
  const lines = render(result)
    .split('\n')
    .map((line) => `  ${line}`);
  return [`carried out (audit ${String(result.auditId)}):`, ...lines];
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
    ...(value.replannedAs ? [`  re-planned as ${String(value.replannedAs)}: approve that one`] : []),
    ...(result ? carriedOut(value.action, result) : []),
  ].join('\n');
}
