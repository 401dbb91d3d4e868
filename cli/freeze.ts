// runbook freeze status [--at ISO] [--emulator | --stack NAME | --function NAME]
// What the functions will enforce, not a local copy: the FREEZE_WINDOWS of the enforcing functions themselves,
// read from their configuration (GetFunctionConfiguration: a read, no invocation — cheaper than asking a
// function, and the drainer's single reserved instance is never taken from a drain), or on the emulator the
// environment its invocations get (template.yaml resolved with the emulator stack's parameters). The functions'
// own module (shared/freeze) answers, so both say the same.
import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { resolveContext, startEmulatorCommand } from '../local/emulator/provision.js';
import { findFunction, loadTemplate, resolveEnvironment } from '../local/template.js';
import { freezeSettingError } from '../shared/freeze/guard.js';
import { type FreezeStatus, freezeStatus } from '../shared/freeze/status.js';
import { type FreezeWindow, readFreezeWindows } from '../shared/freeze/windows.js';
import { localStack } from './local-stack.js';
import type { Opts } from './opts.js';
import { printAnswer } from './output.js';
import { pairs, refusal, table } from './render.js';
import { accountOf, regionOf, sayAwsTarget } from './target.js';
import type { SendDeps } from './transport.js';

/**
 * The functions that read FREEZE_WINDOWS (template.yaml; test/template/freeze.test.ts holds the two equal):
 * the fleet enforces freezes on its drains, and ApprovalsFunction on the approved drains it carries out, so a
 * stack whose parameter reached only some of them is reported as inconsistent. Rollback and the kill switch never
 * read it.
 */
export const ENFORCING = [
  'DlqDrainerFunction',
  'PreTrafficHookFunction',
  'SecretRotationFunction',
  'FleetFunction',
  'ApprovalsFunction',
];

interface Source {
  function: string;
  windows: string;
}

export async function runFreeze(opts: Opts, deps: SendDeps = {}): Promise<number> {
  const at = typeof opts.at === 'string' ? new Date(opts.at) : new Date();
  if (typeof opts.at === 'string' && (!/^\d{4}-\d{2}-\d{2}T/.test(opts.at) || Number.isNaN(at.getTime()))) {
    process.stderr.write(`runbook: --at must be an ISO-8601 instant such as 2026-03-06T14:30:00Z\n`);
    return 1;
  }
  const stack = typeof opts.stack === 'string' ? opts.stack : undefined;
  const fn = typeof opts.function === 'string' ? opts.function : undefined;
  if ((stack || fn) && opts.emulator) {
    process.stderr.write('runbook: --emulator reads the emulator; --stack and --function read AWS\n');
    return 1;
  }
  const sources = stack || fn ? await deployed(deps, stack, fn) : await local(opts.emulator === true);
  const answer = statusOf(sources, at);
  printAnswer(answer, freezeSummary);
  return answer.ok ? 0 : 2;
}

/** On the emulator: each enforcing function's environment as its invocations get it. */
async function local(emulator: boolean): Promise<Source[]> {
  const { state, stop } = await localStack(emulator);
  try {
    if (!state)
      throw new Error(`no emulator stack to read: start \`${startEmulatorCommand}\`, or pass --stack NAME`);
    const template = loadTemplate();
    const ctx = resolveContext(template, state);
    return ENFORCING.map((logicalId) => ({
      function: state.resources[logicalId]?.ref ?? logicalId,
      windows: resolveEnvironment(ctx, findFunction(template, logicalId)).variables.FREEZE_WINDOWS ?? '',
    }));
  } finally {
    await stop();
  }
}

/** On AWS: the deployed functions' configuration, by stack (every enforcing one) or one function by name. */
async function deployed(deps: SendDeps, stack?: string, fn?: string): Promise<Source[]> {
  const lambda = deps.lambda ?? new LambdaClient({});
  const cloudformation = deps.cloudformation ?? new CloudFormationClient({});
  try {
    const region = await regionOf(lambda);
    const names = fn ? [fn] : await physicalNames(cloudformation, stack as string);
    sayAwsTarget(
      `${fn ? `function ${fn}` : `stack ${stack}`}${accountOf(fn) ? ` in account ${accountOf(fn)}` : ''}, region ${region}: the configuration of ${names.join(', ')} (your AWS credentials; a read)`,
    );
    return await Promise.all(
      names.map(async (name) => {
        const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
        return { function: name, windows: config.Environment?.Variables?.FREEZE_WINDOWS ?? '' };
      }),
    );
  } finally {
    if (!deps.lambda) lambda.destroy();
    if (!deps.cloudformation) cloudformation.destroy();
  }
}

async function physicalNames(cloudformation: CloudFormationClient, stack: string): Promise<string[]> {
  return Promise.all(
    ENFORCING.map(async (logicalId) => {
      const { StackResourceDetail } = await cloudformation.send(
        new DescribeStackResourceCommand({ StackName: stack, LogicalResourceId: logicalId }),
      );
      if (!StackResourceDetail?.PhysicalResourceId)
        throw new Error(`stack ${stack} has no ${logicalId}: is it a lambda-runbook stack?`);
      return StackResourceDetail.PhysicalResourceId;
    }),
  );
}

/** A declared window as the answer lists it. */
type Declared = Pick<FreezeWindow, 'index' | 'kind' | 'text' | 'reason'>;

type Answer =
  | ({ ok: true; functions: string[]; windows: Declared[] } & FreezeStatus)
  | {
      ok: false;
      functions: string[];
      error: { code: string; message: string; field?: string; fields?: string[] };
    };

/** The status the functions will enforce at `at`, or why it cannot be told (windows that differ or are bad). */
export function statusOf(sources: Source[], at: Date): Answer {
  const functions = sources.map((source) => source.function);
  const texts = new Set(sources.map((source) => source.windows));
  if (texts.size > 1) {
    const each = sources.map((source) => `${source.function}: "${source.windows}"`).join('; ');
    return {
      ok: false,
      functions,
      error: {
        code: 'Inconsistent',
        message: `the functions enforce different windows (${each}): deploy the stack again so FreezeWindows reaches all of them`,
        field: 'FREEZE_WINDOWS',
      },
    };
  }
  const { windows, problems } = readFreezeWindows(sources[0]?.windows);
  if (problems.length > 0) {
    const error = freezeSettingError(problems);
    return {
      ok: false,
      functions,
      error: {
        code: 'ConfigurationError',
        message: `${error.message}: every drain, deployment and rotation is refused until it is fixed`,
        field: error.field as string,
        fields: error.fields,
      },
    };
  }
  const listed = windows.map(({ index, kind, text, reason }) => ({ index, kind, text, reason }));
  return { ok: true, functions, windows: listed, ...freezeStatus(windows, at) };
}

/** On a terminal: frozen or not, until when, by which window; the next window; the declared ones. */
export function freezeSummary(answer: unknown): string {
  const refused = refusal(answer);
  if (refused) return refused;
  const value = answer as Extract<Answer, { ok: true }>;
  const view = (item: { index: number; window: string; reason: string; start: string; end: string }) => [
    `[${item.index}]`,
    item.start,
    item.end,
    item.reason,
  ];
  const lines = [
    value.declared === 0
      ? `Not frozen: no freeze windows declared (FreezeWindows is empty) at ${value.at}.`
      : value.frozen
        ? `FROZEN at ${value.at} until ${value.untilAtLeast ? 'at least ' : ''}${value.until}${value.untilAtLeast ? ' (its windows continue past it without a gap)' : ''}: drains, deployments, new rotations and revocations are refused; rollback and the kill switch are allowed.`
        : `Not frozen at ${value.at}.`,
  ];
  if (value.active.length > 0)
    lines.push(table(['window', 'start', 'end', 'reason'], value.active.map(view)));
  if (value.next) lines.push(`Next window: ${view(value.next).join('  ')}`);
  if (value.windows.length > 0)
    lines.push(
      'Declared:',
      table(
        ['window', 'kind', 'as written'],
        value.windows.map((item) => [`[${item.index}]`, item.kind, item.text]),
      ),
    );
  lines.push(pairs([['read from', value.functions.join(', ')]]));
  return lines.join('\n');
}
