// runbook schedules disable|enable|status [--group G [--name-prefix P | --all]] [--schedule [GROUP/]NAME]…
//                  [--function NAME --throttle] [--restore-id ID] --reason TEXT [--dry-run] [--yes]
//         runbook schedules status --audit-id ID [--page N]
//                  [--emulator | --via lambda --runbook-function NAME | --api-url URL | --stack NAME]
// Builds the KillSwitchFunction's request and sends it through cli/transport.ts: the real handler in-process
// (as `runbook invoke` does), Lambda Invoke, or the signed ops API. A person is asked before anything
// changes, after a dry run has shown what would.
import { parseArgs } from 'node:util';
import type { Progress } from '../functions/killswitch/killswitch.js';
import { onKillSwitchProgress } from '../functions/killswitch/progress.js';
import { cliActor, confirm } from './prompt.js';
import {
  openChannel,
  report,
  type SendDeps,
  type Action as TransportAction,
  transportOptions,
  transportOrExplain,
  transportUsage,
} from './transport.js';

export const usage = `usage: runbook schedules disable|enable|status [selector] --reason TEXT [options]

selector (disable needs one; enable takes --restore-id or the selector the disable used):
  --group GROUP --name-prefix PREFIX   the group's schedules whose names start with PREFIX
  --group GROUP --all                  every schedule of the group (spelled out on purpose)
  --all                                every schedule of the groups this deployment watches
  --schedule [GROUP/]NAME              one schedule (repeatable; GROUP defaults to "default")
options:
  --function NAME --throttle   also set the function's reserved concurrency to 0 (disable only)
  --restore-id ID              the kill switch to restore (enable) or to finish (disable)
  --audit-id ID [--page N]     status: every schedule's outcome in that run, 1,000 a page (an answer
                               over 100 schedules shows 100 and names this command)
  --reason TEXT                why: kept in the audit record and the ops notification
  --dry-run                    read everything and print the plan; change nothing (no confirmation asked)
  --yes                        do not ask for confirmation (required when stdin is not a terminal)
  --killswitch-function NAME   the same as --runbook-function, for this command
${transportUsage}`;

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
}

/** `GROUP/NAME` or `NAME` to the request's `{ name, group? }`. */
export function parseScheduleRef(text: string): { name: string; group?: string } {
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

function describePlan(action: Action, plan: Record<string, unknown>): string {
  const counts = (plan.counts ?? {}) as Record<string, number>;
  const n = action === 'disable' ? (counts['would-disable'] ?? 0) : (counts['would-enable'] ?? 0);
  const throttle = plan.throttle as { functionName?: string } | undefined;
  const also = throttle?.functionName ? ` and set ${throttle.functionName}'s reserved concurrency to 0` : '';
  const restore = throttle?.functionName ? ` and restore ${throttle.functionName}'s concurrency` : '';
  return action === 'disable'
    ? `Disable ${n} schedule(s) of ${counts.selected ?? 0} selected${also}?`
    : `Enable ${n} schedule(s) of kill switch ${String(plan.restoreId)}${restore}?`;
}

export async function schedulesCommand(argv: string[], deps: SendDeps = {}): Promise<number> {
  const [action, ...rest] = argv;
  if (action === '--help' || action === '-h') {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (!ACTIONS.includes(action as Action)) {
    process.stderr.write(`runbook: schedules needs disable, enable or status\n${usage}\n`);
    return 1;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      group: { type: 'string' },
      'name-prefix': { type: 'string' },
      schedule: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      function: { type: 'string' },
      throttle: { type: 'boolean', default: false },
      'restore-id': { type: 'string' },
      'audit-id': { type: 'string' },
      page: { type: 'string' },
      reason: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      yes: { type: 'boolean', short: 'y', default: false },
      ...transportOptions,
      'killswitch-function': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const transport = transportOrExplain(values, usage, 'killswitch-function');
  if (!transport) return 1;
  const request = scheduleRequest(action as Action, values);
  const mutating = action !== 'status' && !values['dry-run'];
  if (mutating && !values.yes && !process.stdin.isTTY) {
    process.stderr.write(`runbook: stdin is not a terminal: pass --yes to ${action} without confirmation\n`);
    return 1;
  }

  const channel = await openChannel(transport, deps);
  // Progress events come from the handler when it runs in-process; the other ways draw nothing.
  const send = async (event: Record<string, unknown>) => {
    const clear = drawProgress();
    try {
      return await channel.send(killSwitchAction(action as Action, event));
    } finally {
      clear();
    }
  };

  try {
    if (mutating && !values.yes) {
      // Show what would change first: a person confirms counts, not a guess.
      const plan = await send({ ...request, dryRun: true });
      if (plan.exitCode !== 0) return report(plan);
      if (!(await confirm(describePlan(action as Action, plan.result as Record<string, unknown>)))) {
        process.stderr.write('runbook: not confirmed; nothing changed\n');
        return 1;
      }
    }
    return report(await send(request));
  } finally {
    await channel.close();
  }
}
