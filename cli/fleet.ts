// runbook fleet status|rollback|disable|enable|drain|undo
//   selectors: --workload NAME… | --tag KEY=VALUE… | --all | --deployed-since 30m, narrowed by --account ID|self…
//   rollback: --reason TEXT [--dry-run] [--force] [--to-version N (one --workload)]   disable: [--throttle]
//   undo: --audit-id ID [--workload NAME…]   status: [--audit-id ID]   [--yes] [--emulator | --via … | --stack …]
// Builds the FleetFunction's request and sends it through cli/transport.ts: the real handler in-process (as
// `runbook invoke` does), Lambda Invoke of the deployed function, or the signed ops API (GET /fleet/status,
// POST /fleet/<action>). Before a change that a person asked for, a dry run shows every workload's plan
// (name, account, current → target) and the question names how many workloads and which action.
import { fleetPlan, fleetStatusSummary, fleetSummary } from './fleet-render.js';
import type { Opts } from './opts.js';
import { cliActor, confirm } from './prompt.js';
import { type Action, openChannel, report, type SendDeps, transportOrExplain } from './transport.js';
import { bySchema, refuseWithoutTerminal } from './without-terminal.js';

export const FLEET_SUBCOMMANDS = ['status', 'rollback', 'disable', 'enable', 'drain', 'undo'] as const;
export type FleetSubcommand = (typeof FLEET_SUBCOMMANDS)[number];

/** What a person typed that cannot become a request: said before anything is sent, naming the flag. */
export class FleetArgumentError extends Error {
  override name = 'FleetArgumentError';
}

export interface FleetOptions {
  workload?: string[];
  tag?: string[];
  all?: boolean;
  deployedSince?: string;
  account?: string[];
  auditId?: string;
  reason?: string;
  dryRun?: boolean;
  force?: boolean;
  toVersion?: string;
  throttle?: boolean;
  /** disable, drain: act alone without the approval the run would need (recorded and notified). */
  breakGlass?: string;
}

/** `--tag team=payments --tag tier=1` → `{ team: 'payments', tier: '1' }`; a malformed pair names --tag. */
export function parseTags(pairs: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new FleetArgumentError(
        `--tag must be KEY=VALUE (e.g. --tag team=payments), got ${JSON.stringify(pair)}`,
      );
    const key = pair.slice(0, at);
    const value = pair.slice(at + 1);
    if (key in tags && tags[key] !== value)
      throw new FleetArgumentError(
        `--tag ${key} is given twice (${tags[key]} and ${value}): a workload has one value per tag`,
      );
    tags[key] = value;
  }
  return tags;
}

/**
 * The direct request for the FleetFunction. The function validates every field and names it; the CLI refuses
 * only what it cannot even write down (a --tag without `=`).
 */
export function fleetRequest(action: FleetSubcommand, values: FleetOptions, actor = cliActor()) {
  const tags = values.tag?.length ? parseTags(values.tag) : undefined;
  // Status reads only: with no selector it is the whole fleet (--account may narrow it), as a person means.
  const everything =
    action === 'status' &&
    values.auditId === undefined &&
    !values.workload?.length &&
    !tags &&
    values.deployedSince === undefined;
  return {
    actor,
    action,
    ...(values.workload?.length ? { workloads: [...values.workload] } : {}),
    ...(tags ? { tags } : {}),
    ...(values.all || everything ? { all: true } : {}),
    ...(values.deployedSince !== undefined ? { deployedSince: values.deployedSince } : {}),
    ...(values.account?.length ? { accounts: [...values.account] } : {}),
    ...(values.auditId !== undefined ? { auditId: values.auditId } : {}),
    ...(values.reason !== undefined ? { reason: values.reason } : {}),
    ...(values.dryRun ? { dryRun: true } : {}),
    ...(values.force ? { force: true } : {}),
    ...(values.toVersion !== undefined ? { toVersion: values.toVersion } : {}),
    ...(values.throttle ? { throttle: true } : {}),
    ...(values.breakGlass !== undefined ? { breakGlass: { reason: values.breakGlass } } : {}),
  };
}

type FleetRequestBody = ReturnType<typeof fleetRequest>;

/** GET /fleet/status takes the selector as query parameters (the handler's statusQuery reads them). */
export function fleetStatusQuery(request: FleetRequestBody): Record<string, string> {
  const tags = request.tags ? Object.entries(request.tags).map(([key, value]) => `${key}=${value}`) : [];
  return Object.fromEntries(
    Object.entries({
      workloads: request.workloads?.join(','),
      tag: tags.length ? tags.join(',') : undefined,
      all: request.all ? 'true' : undefined,
      deployedSince: request.deployedSince,
      accounts: request.accounts?.join(','),
      auditId: request.auditId,
    }).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** One fleet request as each door takes it: the direct event, the route, and the API body or query. */
export function fleetAction(request: Record<string, unknown>): Action {
  const action = String(request.action);
  const { action: _action, ...apiBody } = request;
  return action === 'status'
    ? {
        logicalId: 'FleetFunction',
        route: { method: 'GET', path: '/fleet/status' },
        request,
        query: fleetStatusQuery(request as FleetRequestBody),
      }
    : { logicalId: 'FleetFunction', route: { method: 'POST', path: `/fleet/${action}` }, request, apiBody };
}

const VERBS: Record<Exclude<FleetSubcommand, 'status'>, string> = {
  rollback: 'Roll back',
  disable: 'Disable the schedules of',
  enable: 'Enable again the schedules of',
  drain: 'Drain the dead-letter queues of',
  undo: 'Undo fleet run',
};

/** The question after the plan: which action, on how many workloads, and `--all` spelled out. */
export function fleetQuestion(
  action: Exclude<FleetSubcommand, 'status'>,
  plan: Record<string, unknown>,
  request: { all?: boolean; auditId?: string; throttle?: boolean },
): string {
  const n = Number(plan.selected ?? 0);
  const which = request.all ? `ALL ${n} watched workload(s)` : `these ${n} workload(s)`;
  const throttle = request.throttle ? ', and set their reserved concurrency to 0,' : '';
  return action === 'undo'
    ? `${VERBS.undo} ${String(request.auditId)} on ${which} as planned above?`
    : `${VERBS[action]} ${which}${throttle} as planned above?`;
}

/** What a person must add to act without a terminal to answer on. */
export function withoutTerminal(action: FleetSubcommand, all: boolean): string {
  return all
    ? `--all ${action === 'rollback' ? 'rolls back' : `${action}s`} every watched workload: pass --yes to confirm it when stdin is not a terminal (nothing was sent)`
    : `stdin is not a terminal: pass --yes to ${action} without confirmation (nothing was sent)`;
}

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : undefined);

/** commander's camelCase options to FleetOptions. */
export function fleetOptions(opts: Opts): FleetOptions {
  const values: FleetOptions = {};
  const set = <K extends keyof FleetOptions>(key: K, value: FleetOptions[K] | undefined) => {
    if (value !== undefined) values[key] = value;
  };
  set('workload', list(opts.workload));
  set('tag', list(opts.tag));
  set('all', opts.all === true || undefined);
  set('deployedSince', str(opts.deployedSince));
  set('account', list(opts.account));
  set('auditId', str(opts.auditId));
  set('reason', str(opts.reason));
  set('dryRun', opts.dryRun === true || undefined);
  set('force', opts.force === true || undefined);
  set('toVersion', str(opts.toVersion));
  set('throttle', opts.throttle === true || undefined);
  set('breakGlass', str(opts.breakGlass));
  return values;
}

export const runFleet =
  (action: FleetSubcommand) =>
  async (opts: Opts, deps: SendDeps = {}): Promise<number> => {
    const transport = transportOrExplain(opts, 'fleet-function');
    if (!transport) return 1;
    let request: FleetRequestBody;
    try {
      request = fleetRequest(action, fleetOptions(opts));
    } catch (error) {
      if (!(error instanceof FleetArgumentError)) throw error;
      // 1, as every flag the CLI itself refuses (dlq --max abc, freeze --at, an unknown option): 2 is the
      // function's refusal (ok:false), and this one never reached it.
      process.stderr.write(`runbook: ${error.message}\n`);
      return 1;
    }
    const verbose = opts.verbose === true;
    if (action === 'status') {
      const channel = await openChannel(transport, deps);
      try {
        return report(await channel.send(fleetAction(request)), (answer) =>
          fleetStatusSummary(answer, verbose),
        );
      } finally {
        await channel.close();
      }
    }
    const ask = request.dryRun !== true && opts.yes !== true;
    const human = (answer: unknown) => fleetSummary(answer, verbose);
    // Refused before anything is sent: no dry run either, so a script learns at once what it must add.
    if (ask && !process.stdin.isTTY)
      return refuseWithoutTerminal(
        withoutTerminal(action, request.all === true),
        request,
        bySchema(async () => (await import('../functions/fleet/schema.js')).fleetRequestSchema),
        human,
      );
    const channel = await openChannel(transport, deps);
    try {
      if (ask) {
        // A person confirms numbers: the dry run reads every workload and says what each would become.
        const plan = await channel.send(fleetAction({ ...request, dryRun: true }));
        if (plan.exitCode !== 0 || plan.refused) return report(plan, human);
        const planned = (plan.result ?? {}) as Record<string, unknown>;
        if (Number(planned.selected ?? 0) === 0) return report(plan, human);
        process.stderr.write(`${fleetPlan(planned, verbose)}\n`);
        if (!(await confirm(fleetQuestion(action, planned, request)))) {
          process.stderr.write('runbook: not confirmed; nothing changed\n');
          return 1;
        }
      }
      return report(await channel.send(fleetAction(request)), human);
    } finally {
      await channel.close();
    }
  };
