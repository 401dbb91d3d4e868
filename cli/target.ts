// Where a command is pointed, said on stderr before it acts, and a plain sentence when it is pointed nowhere
// (instead of the function's `AUDIT_TABLE is not set` or the SDK's `Region is missing`).
//   local     a running `npm run emulator`: AWS_ENDPOINT_URL, else the exports it wrote to .runbook/emulator.env
//   --emulator  a throwaway emulator started for this command (cli/local-stack.ts)
//   remote    a deployed stack: by Lambda Invoke or the signed ops API, in the account and region of your credentials
import { isAbsolute, join, relative } from 'node:path';
import { readExportsFile } from '../local/emulator/exports.js';
import {
  defaultStateDir,
  type EmulatorState,
  loadState,
  startEmulatorCommand,
  stateFile,
} from '../local/emulator/provision.js';
import { emulatorEnv } from '../local/moto.js';
import { answers } from './probe.js';

/**
 * Where a running emulator describes itself: `.runbook/` in the clone (the user's state folder for an installed
 * package: local/emulator/provision.ts), or RUNBOOK_STATE_DIR (a test file or the bench with an emulator of its
 * own, so that they never read or overwrite a developer's).
 */
const stateDir = () => process.env.RUNBOOK_STATE_DIR || defaultStateDir;
const emulatorStateFile = () =>
  process.env.RUNBOOK_STATE_DIR ? join(stateDir(), 'emulator.json') : stateFile;

/** The emulator's exports, sourceable by a shell (`. .runbook/emulator.env`) and read by the CLI. */
const envFile = () => join(stateDir(), 'emulator.env');

/** A command cannot tell where to act, or its target does not answer: the message says what to do. */
export class TargetError extends Error {
  override name = 'TargetError';
}

/** Says where a command is pointed, on stderr (stdout carries only the answer). */
export function sayTarget(text: string): void {
  process.stderr.write(`runbook: target: ${text}\n`);
}

/**
 * Beside an AWS target (--stack, --via lambda): with AWS_ENDPOINT_URL set (an emulator's exports sourced earlier
 * in the same shell), the SDK sends every call there, not to AWS. Said, so nobody takes the emulator's answer
 * for production's.
 */
export function endpointOverride(): string {
  const url = process.env.AWS_ENDPOINT_URL;
  return url
    ? `; but AWS_ENDPOINT_URL is set, so every AWS call goes to ${url}, not to AWS (unset it, or open a new shell, to reach a deployed stack)`
    : '';
}

/** sayTarget for a target on AWS. */
export const sayAwsTarget = (text: string) => sayTarget(`${text}${endpointOverride()}`);

/** Whether an emulator is named at all (AWS_ENDPOINT_URL or an exports file), running or not. */
export function emulatorNamed(): boolean {
  return Boolean(process.env.AWS_ENDPOINT_URL) || Object.keys(readExportsFile(envFile()) ?? {}).length > 0;
}

export interface EmulatorTarget {
  endpoint: string;
  /** Where the endpoint came from: `AWS_ENDPOINT_URL` or `.runbook/emulator.env`. */
  from: string;
  /** The stack `npm run emulator` provisioned there; undefined only when `lenient`. */
  state?: EmulatorState;
}

/**
 * The running emulator a local command acts on, checked to answer and to be the runbook's (its stack
 * description matches). `lenient` (runbook invoke, which is `sam local invoke`) accepts any endpoint, or none.
 */
export async function runningEmulator(
  options: { lenient?: boolean } = {},
): Promise<EmulatorTarget | undefined> {
  const saved = readExportsFile(envFile()) ?? {};
  let endpoint = process.env.AWS_ENDPOINT_URL;
  let from = 'AWS_ENDPOINT_URL';
  if (!endpoint && saved.AWS_ENDPOINT_URL) {
    for (const [name, value] of Object.entries(saved)) process.env[name] ??= value;
    endpoint = saved.AWS_ENDPOINT_URL;
    from = shown(envFile());
  }
  const hint = `\`${startEmulatorCommand}\` in another shell, pass --emulator for a throwaway one, or pass --stack NAME to use AWS`;
  if (!endpoint) {
    if (options.lenient) return undefined;
    throw new TargetError(`no target: AWS_ENDPOINT_URL is not set and no emulator is running: start ${hint}`);
  }
  let host: string;
  try {
    host = new URL(endpoint).host;
  } catch {
    throw new TargetError(`AWS_ENDPOINT_URL is not a URL (${endpoint}): unset it, or start ${hint}`);
  }
  const state = loadState(emulatorStateFile());
  const matching = state?.endpoint === endpoint ? state : undefined;
  if (options.lenient) {
    if (matching) pointAt(endpoint, matching);
    return { endpoint, from, ...(matching ? { state: matching } : {}) };
  }
  if (!(await answers(endpoint))) {
    const elsewhere =
      saved.AWS_ENDPOINT_URL && saved.AWS_ENDPOINT_URL !== endpoint
        ? ` (the running one is at ${saved.AWS_ENDPOINT_URL}: \`. ${shown(envFile())}\`)`
        : '';
    throw new TargetError(
      `no emulator at ${host} (from ${from})${elsewhere}: start \`${startEmulatorCommand}\`, or pass --stack NAME to use AWS`,
    );
  }
  if (!matching) {
    const described = state ? `describes the one at ${state.endpoint}` : 'does not exist';
    // An emulator started with RUNBOOK_STATE_DIR keeps its description there; a shell that has only its
    // endpoint looks in .runbook/ (the exports file it writes exports RUNBOOK_STATE_DIR for that reason).
    const where = process.env.RUNBOOK_STATE_DIR
      ? `looked in ${shown(stateDir())}, from RUNBOOK_STATE_DIR`
      : `looked in ${shown(stateDir())}, the default; an emulator started with RUNBOOK_STATE_DIR=DIR describes itself in DIR: set RUNBOOK_STATE_DIR=DIR here too, or source DIR/emulator.env`;
    throw new TargetError(
      `${host} (from ${from}) answers, but it is not a runbook emulator: ${shown(emulatorStateFile())} ${described} (${where}). Start \`${startEmulatorCommand}\` and use its exports (\`. ${shown(envFile())}\`)`,
    );
  }
  pointAt(endpoint, matching);
  return { endpoint, from, state: matching };
}

/**
 * The SDK settings of the emulator, whatever else the shell exported: a region or credentials left from
 * real AWS would send the handler's calls to a region the stack is not in (or fail with `Region is
 * missing` when there is none), and real keys have no business reaching a local moto.
 */
function pointAt(endpoint: string, state: EmulatorState): void {
  Object.assign(process.env, emulatorEnv(endpoint), {
    AWS_REGION: state.region,
    AWS_DEFAULT_REGION: state.region,
    // CloudWatch through the emulator's stand-in (cli/emulator.ts), whether the endpoint came from the
    // exports file or from AWS_ENDPOINT_URL alone: alarm states set here are then in the history it keeps.
    ...(state.cloudwatchEndpoint ? { AWS_ENDPOINT_URL_CLOUDWATCH: state.cloudwatchEndpoint } : {}),
  });
}

/** A path as a person can type it here: relative under the working directory, absolute elsewhere. */
export function shown(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? path : inside;
}

/** The region a client resolved, or a sentence saying how to give one. */
export async function regionOf(client: { config: { region: () => Promise<string> } }): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    throw new TargetError(
      'no AWS region: set AWS_REGION (or AWS_PROFILE to a profile with a region) to reach a deployed stack',
    );
  }
}

/** The account of an ARN (`arn:aws:cloudformation:eu-west-1:123456789012:stack/…`), or undefined. */
export function accountOf(arn: string | undefined): string | undefined {
  return arn?.split(':')[4] || undefined;
}

/** Turns the SDK's failures to find credentials or a region into the sentence an operator can act on. */
export function explainAwsError(error: unknown): string | undefined {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'CredentialsProviderError' || /Could not load credentials/.test(message))
    return 'no AWS credentials: configure a profile (AWS_PROFILE, `aws configure sso`) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  if (/Region is missing/.test(message)) return 'no AWS region: set AWS_REGION (or a profile with a region)';
  if (/^Stack with id .* does not exist$/.test(message)) return `${message}${endpointOverride()}`;
  return undefined;
}
