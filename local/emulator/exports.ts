// What `npm run emulator` exports for another shell: the SDK settings that point every tool (the runbook
// CLI, the AWS CLI v1 and v2, a script) at the emulator, and the names of the stack it provisioned.
// Written as a file that can be sourced (`. .runbook/emulator.env`), since the emulator picks a new port at
// each start and copied exports go stale.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { emulatorEnv } from '../moto.js';
import { defaultStateDir, type EmulatorState, stateDir } from './provision.js';

export const exportsFile = join(stateDir, 'emulator.env');

// The SDK settings an operator's shell needs. AWS_DEFAULT_REGION as well as AWS_REGION: the AWS CLI v1
// reads only the former (https://docs.aws.amazon.com/cli/v1/userguide/cli-configure-envvars.html).
const SDK_VARIABLES = [
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_MAX_ATTEMPTS',
] as const;

// The resources an operator names in a command; roles, log groups and alarms they never type.
const NAMED_TYPES = new Set([
  'AWS::Serverless::Function',
  'AWS::DynamoDB::Table',
  'AWS::SNS::Topic',
  'AWS::SQS::Queue',
  'AWS::Scheduler::ScheduleGroup',
  'AWS::SecretsManager::Secret',
]);

/** `WorkloadDLQ` → `RUNBOOK_WORKLOAD_DLQ`, `AuditTable` → `RUNBOOK_AUDIT_TABLE`. */
export function variableFor(logicalId: string): string {
  return `RUNBOOK_${logicalId.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

export interface ExportOptions {
  /** Where the emulator keeps its state and exports; exported when it is not the default `.runbook/`. */
  stateDir?: string;
}

/**
 * The variables, in the order they are printed: SDK settings, the stack's name and state directory, then its
 * resources.
 */
export function emulatorExports(state: EmulatorState, options: ExportOptions = {}): [string, string][] {
  const sdk = emulatorEnv(state.endpoint);
  const pairs: [string, string][] = SDK_VARIABLES.map((name) => [name, sdk[name] as string]);
  // The state records the region it provisioned in; prefer it to the default.
  for (const pair of pairs)
    if (pair[0] === 'AWS_REGION' || pair[0] === 'AWS_DEFAULT_REGION') pair[1] = state.region;
  // CloudWatch through the emulator's stand-in, so that an alarm state set by any process (the aws CLI, a
  // drill, deploy-sim) is in the history the timeline reads. The SDK and both AWS CLIs read the service's
  // own endpoint variable (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
  if (state.cloudwatchEndpoint) pairs.splice(1, 0, ['AWS_ENDPOINT_URL_CLOUDWATCH', state.cloudwatchEndpoint]);
  pairs.push(['RUNBOOK_STACK_NAME', state.stackName]);
  // Elsewhere than `.runbook/`, the CLI of another shell finds the stack's description only through
  // RUNBOOK_STATE_DIR: sourcing the file must be enough.
  const dir = options.stateDir === undefined ? undefined : resolve(options.stateDir);
  if (dir !== undefined && dir !== resolve(defaultStateDir)) pairs.push(['RUNBOOK_STATE_DIR', dir]);
  for (const [logicalId, resource] of Object.entries(state.resources).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (NAMED_TYPES.has(resource.type)) pairs.push([variableFor(logicalId), resource.ref]);
  }
  return pairs;
}

/** A value as the shell reads it back unchanged: bare when safe, single-quoted otherwise. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `export NAME=value` lines, as printed by `npm run emulator` and written to the exports file. */
export function exportLines(state: EmulatorState, options: ExportOptions = {}): string[] {
  return emulatorExports(state, options).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
}

/** Writes the exports file (by default `.runbook/emulator.env`) and returns its path. */
export function writeExportsFile(state: EmulatorState, path = exportsFile): string {
  const header = [
    `# lambda-runbook emulator at ${state.endpoint}, stack ${state.stackName}: \`. ${path}\` in a shell.`,
    '# Written by `npm run emulator`; removed when it stops.',
  ];
  mkdirSync(dirname(path), { recursive: true });
  const lines = exportLines(state, { stateDir: dirname(path) });
  writeFileSync(path, `${[...header, ...lines].join('\n')}\n`);
  return path;
}

/** Reads an exports file back into variables; undefined when there is none (no emulator running). */
export function readExportsFile(path = exportsFile): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const variables: Record<string, string> = {};
  // As written here, or by hand (no `export`, spaces around): the CLI reads what a person may have edited.
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    const raw = (match[2] as string).trim();
    variables[match[1] as string] = raw.startsWith("'") ? raw.slice(1, -1).replace(/'\\''/g, "'") : raw;
  }
  return variables;
}

export function clearExportsFile(path = exportsFile): void {
  rmSync(path, { force: true });
}
