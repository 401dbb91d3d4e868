// runbook emulator [--port N]: moto with the whole stack provisioned from template.yaml, until interrupted.
import { parseArgs } from 'node:util';
import { clearExportsFile, exportLines, writeExportsFile } from '../local/emulator/exports.js';
import { clearState, provisionStack, saveState, stateFile } from '../local/emulator/provision.js';
import { startMoto } from '../local/moto.js';
import { printLine } from './output.js';

export async function emulatorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' } } });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) {
    process.stderr.write(`runbook: --port must be a port number, got ${values.port}\n`);
    return 1;
  }
  const moto = await startMoto(port === undefined ? {} : { port });
  const state = await provisionStack({ endpoint: moto.endpoint });
  saveState(state);
  const exportsPath = writeExportsFile(state);
  printLine(`lambda-runbook emulator: moto at ${moto.endpoint}, stack ${state.stackName} provisioned.`);
  printLine(`In another shell: . ${exportsPath}   (or paste these)`);
  for (const line of exportLines(state)) printLine(`  ${line}`);
  printLine('  npm run invoke -- HealthFunction -e events/direct/health-metadata.json');
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
  printLine(`Stack description: ${stateFile}. Ctrl-C stops the emulator.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearState();
  clearExportsFile();
  await moto.stop();
  printLine('emulator stopped');
  return 0;
}
