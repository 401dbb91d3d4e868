// runbook schedules disable|enable|status [--group G [--name-prefix P | --all]] [--schedule [GROUP/]NAME]…
//                  [--function NAME --throttle] [--restore-id ID] --reason TEXT [--dry-run] [--yes]
//         runbook schedules status --audit-id ID [--page N]
//                  [--emulator | --via lambda --runbook-function NAME | --api-url URL | --stack NAME]
// Builds the KillSwitchFunction's request and sends it through cli/transport.ts: the real handler in-process
// (as `runbook invoke` does), Lambda Invoke, or the signed ops API. A person is asked before anything
// changes, after a dry run has shown what would.
import type { Progress } from '../functions/killswitch/killswitch.js';
import { onKillSwitchProgress } from '../functions/killswitch/progress.js';
import type { Opts } from './opts.js';
import { cliActor, confirm } from './prompt.js';
import { heldSummary, killSwitchStatus, killSwitchSummary } from './render.js';
import {
  openChannel,
  report,
  type SendDeps,
  type Action as TransportAction,
  transportOrExplain,
} from './transport.js';
import { bySchema, refuseWithoutTerminal } from './without-terminal.js';

const ACTIONS = ['disable', 'enable', 'status'] as const;
type Action = (typeof ACTIONS)[number];

export interface ScheduleOptions {
  group?: string;
  'name-prefix'?: string;
  schedule?: string[];
  all?: boolean;
  function?: string;
  throttle?: boolean;
  'restore-id'?: string;
  'audit-id'?: string;
  page?: string;
  reason?: string;
  'dry-run'?: boolean;
  'break-glass'?: string;
}

/** `GROUP/NAME` or `NAME` to the request's `{ name, group? }`. */
export function parseScheduleRef(text: string): { name: string; group?: string } {
  // An ARN pasted for it goes whole: the function names the group/name inside it (and never takes it instead).
  if (text.startsWith('arn:')) return { name: text };
  const slash = text.indexOf('/');
  return slash < 0 ? { name: text } : { group: text.slice(0, slash), name: text.slice(slash + 1) };
}

/** The direct request for the KillSwitchFunction; the function validates it and names any bad field. */
export function scheduleRequest(action: string, values: ScheduleOptions, actor = cliActor()) {
  return {
    actor,
    action,
    ...(values.schedule?.length ? { schedules: values.schedule.map(parseScheduleRef) } : {}),
    ...(values.group !== undefined ? { group: values.group } : {}),
    ...(values['name-prefix'] !== undefined ? { namePrefix: values['name-prefix'] } : {}),
    ...(values.all ? { all: true } : {}),
    ...(values.function !== undefined ? { functionName: values.function } : {}),
    ...(values.throttle ? { throttle: true } : {}),
    ...(values['restore-id'] !== undefined ? { restoreId: values['restore-id'] } : {}),
    ...(values['audit-id'] !== undefined ? { auditId: values['audit-id'] } : {}),
    ...(values.page !== undefined
      ? { page: /^\d+$/.test(values.page) ? Number(values.page) : values.page }
      : {}),
    ...(values.reason !== undefined ? { reason: values.reason } : {}),
    ...(values['dry-run'] ? { dryRun: true } : {}),
    ...(values['break-glass'] !== undefined ? { breakGlass: { reason: values['break-glass'] } } : {}),
  };
}

/** Large selections draw a bar on stderr while they run; small ones would only flicker. */
const PROGRESS_FROM = 20;

export function progressBar(progress: Progress, width = 30): string {
  const filled = progress.total === 0 ? width : Math.round((progress.done / progress.total) * width);
  const verb = progress.phase === 'read' ? 'reading' : 'writing';
  return `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${progress.done}/${progress.total} ${verb}`;
}

function drawProgress(): () => void {
  if (!process.stderr.isTTY) return () => undefined;
  let drawn = false;
  const stop = onKillSwitchProgress((progress) => {
    if (progress.total < PROGRESS_FROM) return;
    drawn = true;
    process.stderr.write(progressBar(progress));
    if (progress.done === progress.total) process.stderr.write('\n');
  });
  return () => {
    stop();
    if (drawn) process.stderr.write('\n');
  };
}

const ROUTES = {
  disable: { method: 'POST', path: '/schedules/disable' },
  enable: { method: 'POST', path: '/schedules/enable' },
  status: { method: 'GET', path: '/schedules/status' },
} as const;

/** GET /schedules/status takes the selector as query parameters (the function's statusQuery reads them). */
export function statusQuery(request: Record<string, unknown>): Record<string, string> {
  const schedules = request.schedules as { name: string; group?: string }[] | undefined;
  return Object.fromEntries(
    Object.entries({
      group: request.group,
      namePrefix: request.namePrefix,
      restoreId: request.restoreId,
      auditId: request.auditId,
      page: request.page === undefined ? undefined : String(request.page),
      all: request.all === true ? 'true' : undefined,
      schedule: schedules?.map((s) => (s.group ? `${s.group}/${s.name}` : s.name)).join(','),
    }).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

function killSwitchAction(action: Action, request: Record<string, unknown>): TransportAction {
  return {
    logicalId: 'KillSwitchFunction',
    route: ROUTES[action],
    request,
    ...(action === 'status' ? { query: statusQuery(request) } : {}),
  };
}

/** The kill switch prompt from its dry run: how many schedules, of which group(s), and the throttle. */
export function describePlan(action: Action, plan: Record<string, unknown>): string {
  const counts = (plan.counts ?? {}) as Record<string, number>;
  const n = action === 'disable' ? (counts['would-disable'] ?? 0) : (counts['would-enable'] ?? 0);
  const schedules = (plan.schedules ?? []) as { group: string }[];
  const groups = [...new Set(schedules.map((item) => item.group))];
  const where = groups.length ? ` in group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}` : '';
  const throttle = plan.throttle as { functionName?: string } | undefined;
  const also = throttle?.functionName ? ` and set ${throttle.functionName}'s reserved concurrency to 0` : '';
  const restore = throttle?.functionName ? ` and restore ${throttle.functionName}'s concurrency` : '';
  return action === 'disable'
    ? `Disable ${n} schedule(s) of ${counts.selected ?? schedules.length} selected${where}${also}?`
    : `Enable ${n} schedule(s)${where} of kill switch ${String(plan.restoreId)}${restore}?`;
}

export const runSchedules =
  (action: Action) =>
  async (opts: Opts, deps: SendDeps = {}): Promise<number> => {
    const transport = transportOrExplain(opts, 'killswitch-function');
    if (!transport) return 1;
    const request = scheduleRequest(action, {
      ...(typeof opts.group === 'string' ? { group: opts.group } : {}),
      ...(typeof opts.namePrefix === 'string' ? { 'name-prefix': opts.namePrefix } : {}),
      schedule: (opts.schedule as string[] | undefined) ?? [],
      all: opts.all === true,
      ...(typeof opts.function === 'string' ? { function: opts.function } : {}),
      throttle: opts.throttle === true,
      ...(typeof opts.restoreId === 'string' ? { 'restore-id': opts.restoreId } : {}),
      ...(typeof opts.auditId === 'string' ? { 'audit-id': opts.auditId } : {}),
      ...(typeof opts.page === 'string' ? { page: opts.page } : {}),
      ...(typeof opts.reason === 'string' ? { reason: opts.reason } : {}),
      'dry-run': opts.dryRun === true,
      ...(typeof opts.breakGlass === 'string' ? { 'break-glass': opts.breakGlass } : {}),
    });
    const mutating = action !== 'status' && opts.dryRun !== true;
    if (mutating && opts.yes !== true && !process.stdin.isTTY)
      return refuseWithoutTerminal(
        `stdin is not a terminal: pass --yes to ${action} without confirmation`,
        request,
        bySchema(async () => (await import('../functions/killswitch/schema.js')).killSwitchRequestSchema),
      );
    const human =
      action === 'status'
        ? (answer: unknown) => killSwitchStatus(answer, opts.verbose === true)
        : (answer: unknown) =>
            (answer as { held?: unknown })?.held === true
              ? heldSummary(answer as Record<string, unknown>)
              : killSwitchSummary(answer, opts.verbose === true);

    const channel = await openChannel(transport, deps);
    // Progress events come from the handler when it runs in-process; the other ways draw nothing.
    const send = async (event: Record<string, unknown>) => {
      const clear = drawProgress();
      try {
        return await channel.send(killSwitchAction(action, event));
      } finally {
        clear();
      }
    };

    try {
      if (mutating && opts.yes !== true) {
        // Show what would change first: a person confirms counts, not a guess.
        const plan = await send({ ...request, dryRun: true });
        if (plan.exitCode !== 0) return report(plan, human);
        if (!(await confirm(describePlan(action, plan.result as Record<string, unknown>)))) {
          process.stderr.write('runbook: not confirmed; nothing changed\n');
          return 1;
        }
      }
      return report(await send(request), human);
    } finally {
      await channel.close();
    }
  };
