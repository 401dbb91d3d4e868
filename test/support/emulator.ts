// One provisioned stack per CLI test file, on the run's shared moto, described the way a running
// `npm run emulator` describes itself: its state and exports in a directory of its own
// (RUNBOOK_STATE_DIR). The CLI, started by a test without --emulator, finds it as it finds an operator's
// emulator — instead of each test starting and provisioning a moto of its own (several seconds each).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeExportsFile } from '../../local/emulator/exports.js';
import { type EmulatorState, provisionStack, saveState } from '../../local/emulator/provision.js';
import { projectRoot } from '../../local/template.js';
import { uniqueName } from './names.js';

export interface CliEmulator {
  state: EmulatorState;
  stackName: string;
  /** The physical name (Ref) of one of the stack's resources, by logical id. */
  ref(logicalId: string): string;
  /** Where the state and exports are: RUNBOOK_STATE_DIR for the CLI processes of this file. */
  stateDir: string;
  /** Stops what the stack started beside moto (the CloudWatch stand-in, when asked for). Call it in afterAll. */
  stop(): Promise<void>;
}

/**
 * The CloudWatch stand-in as `runbook emulator` runs one (alarm history, which moto lacks), in a process of its
 * own: the CLI processes of a test run in spawnSync, which would block a stand-in in this one.
 */
async function cloudWatchStandIn(upstream: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/cloudwatch-serve.ts', upstream], {
    cwd: projectRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  const [line] = (await Promise.race([
    once(child.stdout, 'data'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the CloudWatch stand-in exited ${code}`);
    }),
  ])) as [Buffer];
  const endpoint = line.toString('utf8').trim();
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin?.end();
      await exited;
    },
  };
}

/**
 * Provisions a stack named `<prefix>-<unique>` and points this test file's CLI processes at it: sets
 * RUNBOOK_STATE_DIR in this worker's environment, which runCli passes on. Call it in `beforeAll`.
 *
 * @example
 * let emulator: CliEmulator;
 * beforeAll(async () => { emulator = await cliEmulator('cli-rollback'); });
 */
export async function cliEmulator(
  prefix: string,
  options: { parameters?: Record<string, string>; cloudwatch?: boolean } = {},
): Promise<CliEmulator> {
  const stackName = uniqueName(prefix);
  const state = await provisionStack({
    endpoint: String(process.env.AWS_ENDPOINT_URL),
    stackName,
    ...(options.parameters ? { parameters: options.parameters } : {}),
  });
  // Opt-in: most CLI tests read no alarm history, and the stand-in is a process of its own.
  const standIn = options.cloudwatch ? await cloudWatchStandIn(state.endpoint) : undefined;
  if (standIn) state.cloudwatchEndpoint = standIn.endpoint;
  const stateDir = mkdtempSync(join(tmpdir(), 'runbook-state-'));
  saveState(state, join(stateDir, 'emulator.json'));
  writeExportsFile(state, join(stateDir, 'emulator.env'));
  process.env.RUNBOOK_STATE_DIR = stateDir;
  return {
    state,
    stackName,
    stateDir,
    stop: async () => standIn?.stop(),
    ref(logicalId) {
      const resource = state.resources[logicalId];
      if (!resource) throw new Error(`stack ${stackName} has no resource ${logicalId}`);
      return resource.ref;
    },
  };
}
