// What `runbook emulator` checks before it says "provisioned": the stack parameters as CloudFormation would
// check them (Type, AllowedValues, AllowedPattern, lengths, bounds: `sam deploy` refuses a stack that breaks
// them), and the settings the functions would refuse, read by the functions' own readers. Without it a bad
// FreezeWindows or WatchList started a stack whose every drain or fleet status then failed; a person finds out
// at the first command, at 3 a.m., instead of when starting the emulator.
//
// Two steps: `parameterProblems` needs only the parameters (it runs before moto starts, so most mistakes cost
// nothing); `settingProblems` reads each function's environment as its invocations get it (resolved against
// the provisioned stack), with the readers each function runs at its first invocation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { drainConfig } from '../../functions/dlq-drainer/config.js';
import { fleetConfig } from '../../functions/fleet/config.js';
import { readDeclared } from '../../functions/fleet/watched.js';
import { healthConfig } from '../../functions/health/metadata.js';
import { killSwitchConfig } from '../../functions/killswitch/config.js';
import { postTrafficConfigSchema } from '../../functions/post-traffic/schema.js';
import { preTrafficConfigSchema } from '../../functions/pre-traffic/schema.js';
import { rollbackConfig } from '../../functions/rollback/config.js';
import { rotationConfig } from '../../functions/secret-rotation/config.js';
import { approvalPolicy } from '../../shared/approval/policy.js';
import { analystConfig } from '../../shared/canary/config.js';
import { parseSettings } from '../../shared/env.js';
import { ConfigurationError, RunbookError, SettingError } from '../../shared/errors.js';
import { freezeWindows } from '../../shared/freeze/guard.js';
import { requiredApiActions } from '../../shared/require-api.js';
import {
  findFunction,
  type Json,
  projectRoot,
  type ResolveContext,
  resolveEnvironment,
  type Template,
} from '../template.js';

export interface StackProblem {
  /** The template parameter to change (or the file, for the bundled watchlist.json). */
  parameter: string;
  /** What exactly is wrong in it: the parameter itself, or a field inside it (FREEZE_WINDOWS[1].end). */
  field: string;
  message: string;
}

type ParameterSpec = NonNullable<Template['Parameters']>[string] & {
  AllowedPattern?: string;
  MinLength?: number;
  MaxLength?: number;
  MinValue?: number;
  MaxValue?: number;
};

/** The parameters as CloudFormation checks them, and the settings readable from the parameters alone. */
export function parameterProblems(
  template: Template,
  values: Record<string, string>,
  bundledWatchList: () => unknown = readBundledWatchList,
): StackProblem[] {
  const problems: StackProblem[] = [];
  for (const [name, spec] of Object.entries(template.Parameters ?? {})) {
    const value = values[name];
    if (value === undefined) continue;
    const problem = constraintProblem(spec as ParameterSpec, value);
    if (problem) problems.push({ parameter: name, field: name, message: `${name}: ${problem}` });
  }
  const setting = (parameter: string, read: () => unknown) => {
    try {
      read();
    } catch (error) {
      problems.push(...problemsOf(parameter, error));
    }
  };
  setting('FreezeWindows', () => freezeWindows({ FREEZE_WINDOWS: values.FreezeWindows ?? '' }));
  // WatchList overrides the bundled file; empty, the file is what the fleet function reads.
  if (values.WatchList)
    setting('WatchList', () => readDeclared(() => JSON.parse(values.WatchList as string), 'WATCH_LIST'));
  else setting('watchlist.json', () => readDeclared(bundledWatchList, 'watchlist.json'));
  return problems;
}

function constraintProblem(spec: ParameterSpec, value: string): string | undefined {
  if (spec.Type === 'Number') {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number)) return `expected a number, got "${value}"`;
    if (spec.MinValue !== undefined && number < spec.MinValue)
      return `at least ${spec.MinValue}, got ${value}`;
    if (spec.MaxValue !== undefined && number > spec.MaxValue)
      return `at most ${spec.MaxValue}, got ${value}`;
  }
  if (spec.AllowedValues && !spec.AllowedValues.map(String).includes(value))
    return `expected one of ${spec.AllowedValues.map(String).join(', ')}, got "${value}"`;
  if (spec.AllowedPattern && !new RegExp(`^(?:${spec.AllowedPattern})$`).test(value))
    return `does not match the template's pattern ${spec.AllowedPattern}`;
  if (spec.MaxLength !== undefined && value.length > spec.MaxLength)
    return `at most ${spec.MaxLength} characters, got ${value.length}`;
  if (spec.MinLength !== undefined && value.length < spec.MinLength)
    return `at least ${spec.MinLength} characters, got ${value.length}`;
  return undefined;
}

function readBundledWatchList(): unknown {
  return JSON.parse(readFileSync(join(projectRoot, 'watchlist.json'), 'utf8'));
}

type Env = Record<string, string>;

/** The readers each function runs over its environment (its handler's first lines), by logical id. */
const READERS: Record<string, Array<(env: Env) => unknown>> = {
  HealthFunction: [healthConfig],
  RollbackFunction: [rollbackConfig, requiredApiActions],
  SecretRotationFunction: [rotationConfig, freezeWindows, requiredApiActions, approvalPolicy],
  PreTrafficHookFunction: [(env) => parseSettings(preTrafficConfigSchema, 'pre-traffic', env), freezeWindows],
  PostTrafficHookFunction: [(env) => parseSettings(postTrafficConfigSchema, 'post-traffic', env)],
  CanaryAnalystFunction: [analystConfig],
  KillSwitchFunction: [killSwitchConfig, requiredApiActions, approvalPolicy],
  DlqDrainerFunction: [drainConfig, freezeWindows, requiredApiActions, approvalPolicy],
  FleetFunction: [fleetConfig, freezeWindows, requiredApiActions, approvalPolicy],
  ApprovalsFunction: [freezeWindows, approvalPolicy],
};

/**
 * The settings the stack's functions would refuse, each read by the function's own reader from the environment
 * its invocations get; a problem names the parameter it comes from when the variable is one (`!Ref Param`).
 */
export function settingProblems(ctx: ResolveContext): StackProblem[] {
  const problems: StackProblem[] = [];
  const seen = new Set<string>();
  for (const [logicalId, readers] of Object.entries(READERS)) {
    if (!ctx.template.Resources[logicalId]) continue;
    const spec = findFunction(ctx.template, logicalId);
    const { variables } = resolveEnvironment(ctx, spec);
    for (const read of readers) {
      try {
        read(variables);
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error;
        const variable = Object.keys(spec.environment).find((name) => error.message.includes(name));
        const from = variable ? parametersIn(ctx.template, spec.environment[variable]) : [];
        const parameter = from.join(' or ') || variable || logicalId;
        for (const problem of problemsOf(parameter, error)) {
          const key = `${problem.parameter} ${problem.field} ${problem.message}`;
          if (!seen.has(key)) problems.push(problem);
          seen.add(key);
        }
      }
    }
  }
  return problems;
}

/** The parameters a variable's value refers to (`!Ref Param`, also inside `!If` and `!Sub`'s list form). */
function parametersIn(template: Template, value: Json | undefined): string[] {
  const found = new Set<string>();
  const walk = (item: Json | undefined): void => {
    if (Array.isArray(item)) item.forEach(walk);
    else if (item && typeof item === 'object')
      for (const [key, inner] of Object.entries(item)) {
        if (key === 'Ref' && typeof inner === 'string' && template.Parameters?.[inner]) found.add(inner);
        else walk(inner);
      }
  };
  walk(value);
  return [...found];
}

function problemsOf(parameter: string, error: unknown): StackProblem[] {
  if (error instanceof SettingError)
    return error.problems.map(({ field, message }) => ({
      parameter,
      field,
      message: `${field}: ${message}`,
    }));
  if (error instanceof RunbookError)
    return [{ parameter, field: error.field ?? parameter, message: error.message }];
  throw error;
}

/** The lines `runbook emulator` prints for problems, one a problem, saying what to change. */
export function describeProblems(problems: readonly StackProblem[]): string {
  const lines = problems.map((problem) =>
    problem.message.startsWith(`${problem.parameter}:`)
      ? `  ${problem.message}`
      : `  ${problem.parameter}: ${problem.message}`,
  );
  return `runbook: the stack's parameters would not work, so the emulator did not start (fix each, then start it again):\n${lines.join('\n')}\n`;
}
