// How a runbook command reaches its function — one place, so every subcommand offers the same three ways:
//   local (default)  the real handler in-process, against a running `npm run emulator` or `--emulator`
//   --via lambda     Lambda Invoke of the deployed function (`--runbook-function NAME|ARN`)
//   --via api        the IAM-authorized ops API, SigV4-signed (`--api-url URL` or `--stack NAME`; either
//                    implies --via api); alone, on the emulator: the handler in-process, called as API Gateway
//                    calls it, the caller being what the emulator's STS says your credentials are
// Each prints the function's JSON answer on stdout and returns the exit status: 0 done, 2 refused by the
// function (ok:false or HTTP 4xx), 1 could not run (including a 403 from IAM, explained).
// What only one door uses is imported by that door, when it is taken: a local command (the usual case, and
// the start-up the bench measures) loads neither CloudFormation, STS, SigV4 signing nor Lambda Invoke.
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { invocationsFinished, SESSION_NAME } from '../local/api-door.js';
import { interruptInvocations, invokeFunction, isFailure } from '../local/invoke.js';
import { shellWord } from '../shared/undo.js';
import { type LocalStack, localStack } from './local-stack.js';
import { escapeUnsafe, printAnswer, withStdoutOnStderr } from './output.js';
import type { ApiCall, RemoteDeps } from './remote.js';
import { asJson } from './render.js';
import { accountOf, regionOf, sayAwsTarget, sayTarget } from './target.js';

export type Transport =
  /** `apiDoor`: `--via api` on the emulator, sent as API Gateway would send it (the caller a principal). */
  | { via: 'local'; emulator: boolean; apiDoor?: boolean; as?: string }
  | { via: 'lambda'; functionName: string }
  | { via: 'api'; apiUrl?: string; stack?: string };

export interface TransportValues {
  emulator?: boolean;
  via?: string;
  'runbook-function'?: string;
  'api-url'?: string;
  stack?: string;
  /** On the emulator only: act as this person (a session of the emulator's operator role). */
  as?: string;
}

/** The transport the flags ask for, or a message saying what is wrong with them. */
export function transportFrom(values: TransportValues): Transport | { error: string } {
  const via = values.via ?? (values['api-url'] || values.stack ? 'api' : 'local');
  const as = values.as;
  if (as !== undefined && !SESSION_NAME.test(as))
    return { error: `--as must be 2 to 64 letters, digits or =,.@-_ (an STS session name), got ${as}` };
  if (via === 'local') {
    if (values['runbook-function'] || values['api-url'] || values.stack)
      return { error: '--runbook-function, --api-url and --stack are for --via lambda or --via api' };
    // --as speaks through the emulator's API door: a person is a principal only there.
    return { via: 'local', emulator: values.emulator ?? false, ...(as ? { apiDoor: true, as } : {}) };
  }
  const onAws = values['api-url'] || values.stack || via === 'lambda';
  if (as && onAws)
    return { error: '--as is for the emulator only: on AWS, your credentials are who you are' };
  if (values.emulator) return { error: '--emulator runs locally; it cannot be combined with --via' };
  if (via === 'lambda') {
    if (!values['runbook-function']) return { error: '--via lambda needs --runbook-function NAME' };
    return { via: 'lambda', functionName: values['runbook-function'] };
  }
  if (via === 'api') {
    if (values['api-url'] && values.stack) return { error: 'give --api-url or --stack, not both' };
    // No URL: the emulator's API door (the handler in-process, called as API Gateway calls it).
    if (!values['api-url'] && !values.stack)
      return { via: 'local', emulator: false, apiDoor: true, ...(as ? { as } : {}) };
    if (values['api-url'] && !/^https?:\/\//.test(values['api-url']))
      return { error: `--api-url must be an http(s) URL, got ${values['api-url']}` };
    return {
      via: 'api',
      ...(values['api-url'] ? { apiUrl: values['api-url'] } : {}),
      ...(values.stack ? { stack: values.stack } : {}),
    };
  }
  return { error: `--via must be local, lambda or api, got ${via}` };
}

/**
 * The transport commander's options ask for, or undefined after saying on stderr what is wrong with them.
 * `aliasFlag` is a command's older name for --runbook-function (e.g. `rollback-function`).
 */
export function transportOrExplain(opts: Record<string, unknown>, aliasFlag?: string): Transport | undefined {
  const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const runbookFunction = str(opts.runbookFunction) ?? (aliasFlag ? str(opts[camel(aliasFlag)]) : undefined);
  const values: TransportValues = {
    emulator: opts.emulator === true,
    ...(str(opts.via) ? { via: str(opts.via) } : {}),
    ...(runbookFunction ? { 'runbook-function': runbookFunction } : {}),
    ...(str(opts.apiUrl) ? { 'api-url': str(opts.apiUrl) } : {}),
    ...(str(opts.stack) ? { stack: str(opts.stack) } : {}),
    ...(str(opts.as) ? { as: str(opts.as) } : {}),
  };
  const transport = transportFrom(values);
  if (!('error' in transport)) return transport;
  process.stderr.write(`runbook: ${transport.error}\n`);
  return undefined;
}

/**
 * The function writes its `undo` as the command a person runs where it acted; the CLI knows where that was,
 * so a remote answer's undo gets the same door (`--stack NAME`), and runs as printed. The audit record keeps
 * the function's own.
 */
export function undoThrough(result: unknown, door: string[]): unknown {
  if (typeof result !== 'object' || result === null) return result;
  const {
    undo,
    workloads,
    result: carried,
  } = result as {
    undo?: unknown;
    workloads?: unknown;
    result?: unknown;
  };
  const through = (command: unknown) =>
    typeof command === 'string' && command.startsWith('runbook ')
      ? { undo: `${command} ${door.map(shellWord).join(' ')}` }
      : {};
  // A fleet answer also carries each workload's own undo (undo part of it): the same door for those.
  const lines = Array.isArray(workloads)
    ? {
        workloads: workloads.map((line: unknown) =>
          isRecord(line) ? { ...line, ...through(line.undo) } : line,
        ),
      }
    : {};
  // An approval carried out answers its action's own answer as `result`, with that action's undo.
  const inner = isRecord(carried) ? { result: undoThrough(carried, door) } : {};
  return { ...result, ...through(undo), ...lines, ...inner };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/**
 * A request held for approval says how to approve and reject it (`runbook approve ID`); the CLI
 * knows the door it was asked through, so those commands get it too and work as printed: `--stack NAME` or
 * `--api-url URL`, or on the emulator, when it was asked as a person (`--as NAME`), another person's `--as` —
 * without it the emulator's default principal would approve, which works but is not the rehearsal of two
 * people that --as is for. An approval refused because its plan went stale (StalePlan) names the re-planned
 * request's approve command: it gets the approver's own door, `--as NAME` included — the approver is not that
 * request's requester, and may approve it. The ledger keeps the function's own commands.
 */
export function heldThrough(result: unknown, transport: Transport): unknown {
  if (!isRecord(result)) return result;
  const door =
    transport.via === 'api'
      ? transport.stack
        ? ['--stack', transport.stack]
        : ['--api-url', String(transport.apiUrl)]
      : undefined;
  const through = door ? ` ${door.map(shellWord).join(' ')}` : '';
  const as = transport.via === 'local' ? transport.as : undefined;
  if (result.ok === false && isRecord(result.error)) return staleThrough(result, result.error, through, as);
  if (result.held !== true) return requestThrough(result, through, as);
  // A shell-safe placeholder (`<another person>` was a redirect when pasted): another person's name goes there.
  const approver = as ? ' --as NAME' : through;
  return {
    ...result,
    ...(typeof result.approve === 'string' ? { approve: `${result.approve}${approver}` } : {}),
    ...(typeof result.reject === 'string' ? { reject: `${result.reject}${through}` } : {}),
  };
}

/**
 * A direct invocation refused for want of a signed requester (approval, RequireApiFor) names the deployed way,
 * `--stack NAME`; on the emulator the signed requester is `--as NAME`, so the refusal says that too.
 */
export function asOnEmulator(result: unknown): unknown {
  if (!isRecord(result) || result.ok !== false || !isRecord(result.error)) return result;
  const { code, message } = result.error;
  if (code !== 'Forbidden' || typeof message !== 'string' || !message.includes(' --stack NAME'))
    return result;
  const onEmulator = ' --stack NAME; on this emulator: --as NAME, a signed person';
  return { ...result, error: { ...result.error, message: message.split(' --stack NAME').join(onEmulator) } };
}

/**
 * An approval request as `runbook approval ID` and `runbook approve ID` read it: a stale one names the command
 * that approves the request re-planning it, and one being carried out the command that follows it — both
 * through the reader's own door (`--as NAME` included: the reader is not the new request's requester).
 */
function requestThrough(
  result: Record<string, unknown>,
  through: string,
  as: string | undefined,
): Record<string, unknown> {
  const door = as ? ` --as ${shellWord(as)}` : through;
  const { approve, follow } = result;
  if (!(result.replannedAs && typeof approve === 'string') && typeof follow !== 'string') return result;
  return {
    ...result,
    ...(result.replannedAs && typeof approve === 'string' ? { approve: `${approve}${door}` } : {}),
    ...(typeof follow === 'string' ? { follow: `${follow}${door}` } : {}),
  };
}

/** A StalePlan refusal with the re-planned request's approve command through the approver's door. */
function staleThrough(
  result: Record<string, unknown>,
  error: Record<string, unknown>,
  through: string,
  as: string | undefined,
): unknown {
  const { approve, message } = error;
  if (error.code !== 'StalePlan' || typeof approve !== 'string') return result;
  const command = `${approve}${as ? ` --as ${shellWord(as)}` : through}`;
  return {
    ...result,
    error: {
      ...error,
      // The message names the command as the function wrote it: the same words, now with the door.
      ...(typeof message === 'string' ? { message: message.split(approve).join(command) } : {}),
      approve: command,
    },
  };
}

export interface Action {
  /** The function in template.yaml, for the local path. */
  logicalId: string;
  /** Its route on the ops API, for the API path. */
  route: { method: 'GET' | 'POST'; path: string };
  /** The direct-invocation request, `actor` included; the API path sends it without `actor`. */
  request: Record<string, unknown>;
  /** GET routes take the request as query parameters. */
  query?: Record<string, string>;
  /** What the route takes when it differs from the direct request (the route itself says the mode). */
  apiBody?: Record<string, unknown>;
  /**
   * A route that exists only through the API (approvals: the caller must be a signed principal). Locally it is
   * sent as API Gateway would send it, the principal being the current credentials on the emulator.
   */
  apiOnly?: { routeKey: string; params?: Record<string, string> };
}

export interface SendDeps extends RemoteDeps {
  lambda?: LambdaClient;
  cloudformation?: CloudFormationClient;
}

export interface Outcome {
  result: unknown;
  /** 0 done, 2 refused by the function, 1 could not run, 130 interrupted (Ctrl-C) after recording what was done. */
  exitCode: number;
  /** Set when IAM refused the call before any function ran: what to tell the operator instead of a result. */
  refused?: string;
}

/** An open way to one function: several requests (a dry run, then the real one) share its set-up. */
export interface Channel {
  send(action: Action): Promise<Outcome>;
  close(): Promise<void>;
}

/** `local`: an emulator the caller already has open (the channel then leaves it running for the caller). */
export async function openChannel(
  transport: Transport,
  deps: SendDeps = {},
  local?: LocalStack,
): Promise<Channel> {
  if (transport.via === 'lambda') {
    const { InvokeCommand, LambdaClient } = await import('@aws-sdk/client-lambda');
    const lambda = deps.lambda ?? new LambdaClient({});
    const region = await regionOf(lambda);
    const account = accountOf(transport.functionName);
    sayAwsTarget(
      `function ${transport.functionName} by Lambda Invoke, ${account ? `account ${account}, ` : ''}region ${region} (your AWS credentials)`,
    );
    const door = ['--via', 'lambda', '--runbook-function', transport.functionName];
    return {
      send: (action) =>
        awaitedOnAws(undefined, async () => {
          const sent = JSON.stringify(action.request);
          const answer = await lambda.send(
            new InvokeCommand({
              FunctionName: transport.functionName,
              Payload: Buffer.from(sent),
            }),
          );
          const text = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
          // moto's Lambda runs no code and answers the payload back: no runbook function ever does (every answer
          // has `ok` or an `error`). Printed as the answer, the echo would read as a success that did nothing.
          if (text && JSON.stringify(JSON.parse(text)) === sent)
            return {
              result: null,
              exitCode: 1,
              refused: `${transport.functionName} answered the request back unchanged: nothing ran it (the emulator's Lambda runs no code). Nothing was done; leave out --via lambda to run the function itself against the emulator`,
            };
          const result: unknown = text ? JSON.parse(text) : null;
          return {
            result: undoThrough(result, door),
            exitCode: answer.FunctionError ? 1 : isFailure(result) ? 2 : 0,
          };
        }),
      async close() {
        if (!deps.lambda) lambda.destroy();
      },
    };
  }

  if (transport.via === 'api') {
    const { callApi, refusal, regionOf: regionOfUrl, stackApi } = await import('./remote.js');
    let apiUrl = transport.apiUrl;
    if (!apiUrl) {
      const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
      const cloudformation = deps.cloudformation ?? new CloudFormationClient({});
      try {
        const region = deps.region ?? (await regionOf(cloudformation));
        const stack = await stackApi(transport.stack as string, cloudformation);
        apiUrl = stack.apiUrl;
        sayAwsTarget(
          `stack ${transport.stack} in account ${accountOf(stack.stackId) ?? '(unknown)'}, region ${region}: ops API ${apiUrl} (SigV4, your AWS credentials)`,
        );
      } finally {
        if (!deps.cloudformation) cloudformation.destroy();
      }
    } else {
      const region =
        deps.region ?? regionOfUrl(apiUrl, process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION);
      sayTarget(`ops API ${apiUrl}, region ${region} (SigV4, your AWS credentials)`);
    }
    const base = apiUrl;
    const door = transport.stack ? ['--stack', transport.stack] : ['--api-url', base];
    return {
      send: (action) =>
        awaitedOnAws(transport.stack, async () => {
          // The API knows the caller from the signature: a claimed actor would only be ignored.
          const { actor: _actor, ...body } = action.apiBody ?? action.request;
          const call: ApiCall = {
            apiUrl: base,
            method: action.route.method,
            path: action.route.path,
            ...(action.route.method === 'GET' ? { query: action.query ?? {} } : { body }),
          };
          const answer = await callApi(call, deps);
          const refused = refusal(answer, call, ` --stack ${shellWord(transport.stack ?? 'NAME')}`);
          if (refused) return { result: answer.body, exitCode: 1, refused };
          const exitCode = answer.status >= 500 ? 1 : answer.status >= 400 || isFailure(answer.body) ? 2 : 0;
          return { result: heldThrough(undoThrough(answer.body, door), transport), exitCode };
        }),
      async close() {},
    };
  }

  const { state, stop } = local ?? (await localStack(transport.emulator));
  return {
    send: (action) =>
      interruptible(async () => {
        if (action.apiOnly || transport.apiDoor) {
          const outcome = await sendThroughLocalApi(action, state, transport.as);
          return { ...outcome, result: heldThrough(outcome.result, transport) };
        }
        const outcome = await withStdoutOnStderr(() =>
          invokeFunction({ logicalId: action.logicalId, event: action.request, ...(state ? { state } : {}) }),
        );
        return { result: asOnEmulator(outcome.result), exitCode: outcome.exitCode };
      }),
    // An invocation API Gateway gave up on goes on, as on AWS: the emulator stops only once it has finished.
    close: async () => {
      await invocationsFinished();
      if (!local) await stop();
    },
  };
}

/**
 * An action run in-process (on the emulator) stops at Ctrl-C as its function stops at its deadline on AWS: the
 * first Ctrl-C lets what is in flight finish and the function record what it did (its answer says what remains,
 * and the same command finishes it); a second stops at once. Exit 130 either way, an interrupted command's.
 * (Through the API or Lambda Invoke the function runs on AWS, where a Ctrl-C here only stops the waiting.)
 */
async function interruptible(run: () => Promise<Outcome>): Promise<Outcome> {
  let asked = false;
  const outcome = await onCtrlC(() => {
    if (asked) process.exit(130);
    asked = true;
    process.stderr.write(
      '\nrunbook: interrupted: finishing what is in flight and recording what was done (Ctrl-C again to stop at once)\n',
    );
    interruptInvocations();
  }, run);
  return asked ? { ...outcome, exitCode: 130 } : outcome;
}

/**
 * A call to a function on AWS (the ops API, Lambda Invoke): a Ctrl-C stops only the waiting here, while the
 * function goes on there and records what it does. Said, with where to read that, before exiting 130.
 */
const awaitedOnAws = (stack: string | undefined, run: () => Promise<Outcome>): Promise<Outcome> =>
  onCtrlC(() => {
    process.stderr.write(
      `\nrunbook: stopped waiting; the function goes on in AWS and records what it does: \`runbook timeline --since 15m --stack ${stack ? shellWord(stack) : 'NAME'}\`\n`,
    );
    process.exit(130);
  }, run);

/** `run`, with `onInterrupt` answering Ctrl-C (SIGINT) while it runs, and only then. */
async function onCtrlC<T>(onInterrupt: () => void, run: () => Promise<T>): Promise<T> {
  process.on('SIGINT', onInterrupt);
  try {
    return await run();
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** An API-only route on the emulator: the API Gateway event, its answer unwrapped as the API path does. */
async function sendThroughLocalApi(
  action: Action,
  state: Awaited<ReturnType<typeof localStack>>['state'],
  as: string | undefined,
): Promise<Outcome> {
  const { callerPrincipal, gaveUpMessage, localApiEvent, throughApiGateway } = await import(
    '../local/api-door.js'
  );
  const principal = await callerPrincipal(as);
  const api = action.apiOnly ?? { routeKey: `${action.route.method} ${action.route.path}` };
  // As through the real API: the caller is the principal, so a claimed actor is not sent.
  const { actor: _actor, ...body } = action.apiBody ?? action.request;
  const event = localApiEvent(
    {
      method: action.route.method,
      path: action.route.path,
      routeKey: api.routeKey,
      ...(api.params ? { params: api.params } : {}),
      ...(action.query ? { query: action.query } : {}),
      body,
    },
    principal,
  );
  const invocation = withStdoutOnStderr(() =>
    invokeFunction({ logicalId: action.logicalId, event, ...(state ? { state } : {}) }),
  );
  // API Gateway's 30 s: past them the caller is answered 503 while the function goes on (local/api-door.ts).
  const through = await throughApiGateway(invocation, undefined, ({ value, error }) =>
    process.stderr.write(
      `runbook: ${action.route.method} ${action.route.path} finished after API Gateway had answered 503: ${
        value ? `HTTP ${(value.result as { statusCode?: number }).statusCode}` : `failed (${String(error)})`
      }\n`,
    ),
  );
  if ('gaveUp' in through)
    return { result: through.gaveUp.body, exitCode: 1, refused: gaveUpMessage(action.route, '') };
  const answer = through.answered.result as { statusCode: number; body: string };
  const result: unknown = JSON.parse(answer.body);
  const exitCode = answer.statusCode >= 500 ? 1 : answer.statusCode >= 400 || isFailure(result) ? 2 : 0;
  return { result, exitCode };
}

/**
 * Prints what an outcome says: the function's answer on stdout (JSON, or `human`'s summary on a terminal),
 * or IAM's refusal on stderr.
 */
export function report(outcome: Outcome, human: (answer: unknown) => string = asJson): number {
  if (outcome.refused) process.stderr.write(`runbook: ${escapeUnsafe(outcome.refused, '\n')}\n`);
  else printAnswer(outcome.result, human);
  return outcome.exitCode;
}

/** One request through a transport, its answer printed; returns the exit status. */
export async function send(
  action: Action,
  transport: Transport,
  deps: SendDeps = {},
  human: (answer: unknown) => string = asJson,
): Promise<number> {
  const channel = await openChannel(transport, deps);
  try {
    return report(await channel.send(action), human);
  } finally {
    await channel.close();
  }
}
