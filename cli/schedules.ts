// runbook schedules disable|enable|status [--group G [--name-prefix P | --all]] [--schedule [GROUP/]NAME]…
//                  [--function NAME --throttle] [--restore-id ID] --reason TEXT [--dry-run] [--yes]
//                  [--emulator | --via lambda --killswitch-function NAME]
// Builds the KillSwitchFunction's direct request and sends it: locally, the real handler in-process (as
// `runbook invoke` does), or deployed, by Lambda Invoke. A person is asked before anything changes, after a
// dry run has shown what would.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Progress } from '../functions/killswitch/killswitch.js';
import { onKillSwitchProgress } from '../functions/killswitch/progress.js';
import { invokeFunction, isFailure } from '../local/invoke.js';
import { localStack } from './local-stack.js';
import { printJson, withStdoutOnStderr } from './output.js';
import { cliActor } from './rollback.js';

export const usage = `usage: runbook schedules disable|enable|status [selector] --reason TEXT [options]

selector (disable needs one; enable takes --restore-id or the selector the disable used):
  --group GROUP --name-prefix PREFIX   the group's schedules whose names start with PREFIX
  --group GROUP --all                  every schedule of the group (spelled out on purpose)
  --all                                every schedule of the groups this deployment watches
  --schedule [GROUP/]NAME              one schedule (repeatable; GROUP defaults to "default")
options:
  --function NAME --throttle   also set the function's reserved concurrency to 0 (disable only)
  --restore-id ID              the kill switch to restore (enable) or to finish (disable)
  --reason TEXT                why: kept in the audit record and the ops notification
  --dry-run                    read everything and print the plan; change nothing (no confirmation asked)
  --yes                        do not ask for confirmation (required when stdin is not a terminal)
  --emulator                   start moto, provision the stack from template.yaml, act there, stop it
  --via lambda                 invoke the deployed KillSwitchFunction (--killswitch-function: its name or ARN)
Exit status: 0 done, 2 refused (ok:false), 1 could not run.`;

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
    ...(values.reason !== undefined ? { reason: values.reason } : {}),
    ...(values['dry-run'] ? { dryRun: true } : {}),
  };
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
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

type Send = (request: object) => Promise<{ result: unknown; exitCode: number }>;

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

export async function schedulesCommand(argv: string[]): Promise<number> {
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
      reason: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      yes: { type: 'boolean', short: 'y', default: false },
      emulator: { type: 'boolean', default: false },
      via: { type: 'string', default: 'local' },
      'killswitch-function': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (values.via !== 'local' && values.via !== 'lambda') {
    process.stderr.write(`runbook: --via must be local or lambda\n${usage}\n`);
    return 1;
  }
  if (values.via === 'lambda' && !values['killswitch-function']) {
    process.stderr.write('runbook: --via lambda needs --killswitch-function NAME\n');
    return 1;
  }
  const request = scheduleRequest(action as Action, values);
  const mutating = action !== 'status' && !values['dry-run'];
  if (mutating && !values.yes && !process.stdin.isTTY) {
    process.stderr.write(`runbook: stdin is not a terminal: pass --yes to ${action} without confirmation\n`);
    return 1;
  }

  let send: Send;
  let stop: () => Promise<void> = async () => undefined;
  if (values.via === 'lambda') {
    const lambda = new LambdaClient({});
    stop = async () => lambda.destroy();
    send = async (event) => {
      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: values['killswitch-function'],
          Payload: Buffer.from(JSON.stringify(event)),
        }),
      );
      const text = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
      const result: unknown = text ? JSON.parse(text) : null;
      return { result, exitCode: answer.FunctionError ? 1 : isFailure(result) ? 2 : 0 };
    };
  } else {
    const stack = await localStack(values.emulator);
    stop = stack.stop;
    send = async (event) => {
      const clear = drawProgress();
      try {
        return await withStdoutOnStderr(() =>
          invokeFunction({
            logicalId: 'KillSwitchFunction',
            event,
            ...(stack.state ? { state: stack.state } : {}),
          }),
        );
      } finally {
        clear();
      }
    };
  }

  try {
    if (mutating && !values.yes) {
      // Show what would change first: a person confirms counts, not a guess.
      const plan = await send({ ...request, dryRun: true });
      if (plan.exitCode !== 0) {
        printJson(plan.result);
        return plan.exitCode;
      }
      if (!(await confirm(describePlan(action as Action, plan.result as Record<string, unknown>)))) {
        process.stderr.write('runbook: not confirmed; nothing changed\n');
        return 1;
      }
    }
    const outcome = await send(request);
    printJson(outcome.result);
    return outcome.exitCode;
  } finally {
    await stop();
  }
}
