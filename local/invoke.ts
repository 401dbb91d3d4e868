// Runs a function's handler in this process the way Lambda would: `sam local invoke` without Docker.
// The handler, its environment and its timeout come from template.yaml; the event is what the caller gives.
// `runbook invoke`, the drill and the tests all go through here, so they exercise the code that ships.
//
// It knows no service: what a sample event presumes but moto lacks (a CodeDeploy deployment waiting on a hook)
// is stood up by local/invoke-event.ts before it calls here, and the CodeDeploy simulator runs its hooks and
// the workload through here too — so this file imports nothing of local/codedeploy/ (no import circle).

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { bundledHandlers, type HandlerModule } from './bundled-handlers.js';
import { type EmulatorState, LOCAL_ACCOUNT, LOCAL_REGION, resolveContext } from './emulator/provision.js';
import {
  type FunctionSpec,
  findFunction,
  loadTemplate,
  parameterValues,
  projectRoot,
  resolveEnvironment,
  type Template,
} from './template.js';

export interface InvokeOptions {
  logicalId: string;
  event: unknown;
  /** The provisioned emulator stack: resolves Refs in the function's environment to real local names. */
  state?: EmulatorState;
  /** Variables in SAM's `--env-vars` format: `{ "<LogicalId>": {...}, "Parameters": {...for every function} }`. */
  envVars?: Record<string, Record<string, string>>;
  template?: Template;
  /** The Lambda timeout the context counts down from, in seconds; default the template's. */
  timeoutSeconds?: number;
  /** Changes the invocation's context before the handler gets it (a test's clock that runs out). */
  context?: (context: Context) => Context;
}

export interface InvokeOutcome {
  logicalId: string;
  result: unknown;
  durationMs: number;
  /** 0 success; 2 the function answered `ok: false` (or an HTTP error status); thrown errors reject instead. */
  exitCode: 0 | 2;
  /** Environment variables that could not be resolved off AWS (left unset). */
  unresolved: string[];
}

/** The deadlines of the invocations running in this process, for interruptInvocations. */
const running = new Set<{ deadline: number }>();

/**
 * Brings the deadline of every invocation running here to now: each function then does what it does when its
 * time runs out on AWS — starts nothing new, finishes what is in flight, releases what it holds, and writes its
 * record (the drainer, the kill switch and the fleet read getRemainingTimeInMillis). How a person's Ctrl-C stops
 * an action run in-process without leaving it half done and unrecorded. Returns how many it reached.
 */
export function interruptInvocations(): number {
  for (const clock of running) clock.deadline = Date.now();
  return running.size;
}

export function lambdaContext(
  spec: FunctionSpec,
  functionName: string,
  region = process.env.AWS_REGION ?? LOCAL_REGION,
  timeoutSeconds = spec.timeoutSeconds,
  /** Set to the deadline here; given, it can be moved later (interruptInvocations). */
  clock = { deadline: 0 },
): Context {
  clock.deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: String(spec.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${new Date().toISOString().slice(0, 10)}/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, clock.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A result that means the action did not happen: `{ ok: false }`, or an API response with an error status. */
export function isFailure(result: unknown): boolean {
  if (typeof result !== 'object' || result === null) return false;
  const value = result as { ok?: unknown; statusCode?: unknown };
  if (value.ok === false) return true;
  return typeof value.statusCode === 'number' && value.statusCode >= 400;
}

export type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** A function's handler: the compiled CLI's bundled copy when there is one, else its source module. */
export async function loadHandler(spec: FunctionSpec): Promise<Handler> {
  const bundled = bundledHandlers[spec.entryPoint];
  const module = bundled
    ? await bundled()
    : ((await import(pathToFileURL(join(projectRoot, spec.entryPoint)).href)) as HandlerModule);
  const handler = module[spec.exportName];
  if (typeof handler !== 'function') {
    throw new Error(`${spec.entryPoint} does not export a function named ${spec.exportName}`);
  }
  return handler as Handler;
}

/**
 * Runs `run` with `environment` added to process.env, then leaves the process as it was: the next invocation
 * may be another function (or another version) with other variables. What it puts back is what an invocation
 * changes: the variables it set, as they were before, and any variable added meanwhile (a library's module
 * setting a default on first load) removed. Not a copy of the whole environment each time: reading and writing
 * back every variable (~80) cost 0.2 ms a call, and a drill canary drives 3,000 invocations through here (the
 * handlers themselves never write process.env).
 */
export async function withEnvironment<T>(
  environment: Record<string, string>,
  run: () => Promise<T>,
): Promise<T> {
  const present = new Set(Object.keys(process.env));
  const previous = Object.keys(environment).map((key) => [key, process.env[key]] as const);
  Object.assign(process.env, environment);
  try {
    return await run();
  } finally {
    for (const key of Object.keys(process.env)) if (!present.has(key)) delete process.env[key];
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

export async function invokeFunction(options: InvokeOptions): Promise<InvokeOutcome> {
  const template = options.template ?? loadTemplate();
  const spec = findFunction(template, options.logicalId);
  const state = options.state;
  const ctx = state
    ? resolveContext(template, state)
    : {
        template,
        parameters: parameterValues(template),
        stackName: 'runbook-local',
        region: process.env.AWS_REGION ?? LOCAL_REGION,
        accountId: LOCAL_ACCOUNT,
        resources: {},
      };
  const { variables, unresolved } = resolveEnvironment(ctx, spec);
  const overrides = { ...(options.envVars?.Parameters ?? {}), ...(options.envVars?.[spec.logicalId] ?? {}) };
  const environment = { ...variables, ...overrides };
  const stillUnresolved = unresolved.filter((entry) => !((entry.split(' ', 1)[0] as string) in overrides));

  const functionName = state?.resources[spec.logicalId]?.ref ?? spec.logicalId;
  const handler = await loadHandler(spec);
  const started = performance.now();
  const clock = { deadline: 0 };
  const context = lambdaContext(spec, functionName, undefined, options.timeoutSeconds, clock);
  running.add(clock);
  let result: unknown;
  try {
    result = await withEnvironment(environment, () =>
      handler(options.event, options.context ? options.context(context) : context),
    );
  } finally {
    running.delete(clock);
  }
  return {
    logicalId: spec.logicalId,
    result,
    durationMs: Math.round(performance.now() - started),
    exitCode: isFailure(result) ? 2 : 0,
    unresolved: stillUnresolved,
  };
}
