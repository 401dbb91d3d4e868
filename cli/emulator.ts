// runbook emulator [--port N]: moto with the whole stack provisioned from template.yaml, until interrupted.
// Its exports are also written to .runbook/emulator.env (sourceable; the CLI reads it when AWS_ENDPOINT_URL
// is unset), so another shell needs no copy and paste.
import { relative } from 'node:path';
import { clearState, provisionStack, saveState, stateFile } from '../local/emulator/provision.js';
import { emulatorEnv, startMoto } from '../local/moto.js';
import { projectRoot } from '../local/template.js';
import { printLine } from './output.js';
import type { Opts } from './program.js';
import { clearEmulatorEnv, emulatorEnvFile, writeEmulatorEnv } from './target.js';

const EXPORTED = [
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  // awscli v1 reads only AWS_DEFAULT_REGION (RUNBOOK.md's `aws dynamodb query`).
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_MAX_ATTEMPTS',
  'AWS_EC2_METADATA_DISABLED',
];

export async function runEmulator(opts: Opts): Promise<number> {
  const port = opts.port === undefined ? undefined : Number(opts.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) {
    process.stderr.write(`runbook: --port must be a port number, got ${String(opts.port)}\n`);
    return 1;
  }
  const moto = await startMoto(port === undefined ? {} : { port });
  const state = await provisionStack({ endpoint: moto.endpoint });
  saveState(state);
  const env = emulatorEnv(moto.endpoint);
  const exported = Object.fromEntries(EXPORTED.map((name) => [name, env[name] as string]));
  writeEmulatorEnv(exported);
  const envFile = relative(projectRoot, emulatorEnvFile);
  printLine(`lambda-runbook emulator: moto at ${moto.endpoint}, stack ${state.stackName} provisioned.`);
  printLine(`In another shell, \`runbook …\` finds it by itself (${envFile}); for the SDK or aws CLI:`);
  printLine(`  . ${envFile}        # or:`);
  for (const [name, value] of Object.entries(exported)) printLine(`  export ${name}=${value}`);
  printLine('  runbook invoke HealthFunction -e events/direct/health-metadata.json');
  printLine();
  printLine('Resources:');
  for (const [logicalId, resource] of Object.entries(state.resources))
    printLine(`  ${logicalId.padEnd(28)} ${resource.ref}`);
  if (state.workload) {
    const versions = state.workload.versions
      .map((item) => `${item.version} (${item.gitSha.slice(0, 7)})`)
      .join(', ');
    printLine(
      `Sample workload ${state.workload.functionName}: versions ${versions}; alias ${state.workload.alias} -> ${state.workload.versions.at(-1)?.version}`,
    );
  }
  printLine(`Stack description: ${relative(projectRoot, stateFile)}. Ctrl-C stops the emulator.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearState();
  clearEmulatorEnv();
  await moto.stop();
  printLine('emulator stopped');
  return 0;
}
