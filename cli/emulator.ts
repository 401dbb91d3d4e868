// runbook emulator [--port N] [--parameter Name=Value …]: moto with the whole stack provisioned from template.yaml, until interrupted.
// Its exports are also written to .runbook/emulator.env (sourceable; the CLI reads it when AWS_ENDPOINT_URL
// is unset), so another shell needs no copy and paste.
// CloudWatch is served through one stand-in in front of moto (local/cloudwatch/stand-in.ts), for the life of the
// emulator: moto has no DescribeAlarmHistory, and the stand-in keeps each SetAlarmState that passes through it.
// Every process pointed at the emulator (the CLI, deploy-sim, the aws CLI after sourcing the exports) reaches
// CloudWatch through it, so the timeline shows the alarm changes any of them made.
// Lambda's SQS event source mappings run here too (local/emulator/event-sources.ts): a message a function sends
// one of the template's SQS-triggered functions (an approved run, a fleet continuation) is delivered to its
// handler in this process, as Lambda would deliver it, so an approved fleet run is carried out on the emulator.
import { join, resolve } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchStandIn } from '../local/cloudwatch/stand-in.js';
import { pollSources, queueSources } from '../local/emulator/event-sources.js';
import {
  clearExportsFile,
  exportLines,
  exportsFile,
  readExportsFile,
  writeExportsFile,
} from '../local/emulator/exports.js';
import { describeProblems, parameterProblems, settingProblems } from '../local/emulator/preflight.js';
import type { EmulatorState } from '../local/emulator/provision.js';
import {
  clearState,
  defaultStateDir,
  emulatorClientConfig,
  loadState,
  provisionStack,
  resolveContext,
  saveState,
  stateDir,
  stateFile,
} from '../local/emulator/provision.js';
import { emulatorEnv, startMoto } from '../local/moto.js';
import { loadTemplate, parameterValues, projectRoot, UnresolvedError } from '../local/template.js';
import type { Opts } from './opts.js';
import { printLine, withStdoutOnStderr } from './output.js';
import { answers } from './probe.js';
import { shown } from './target.js';

export async function runEmulator(opts: Opts): Promise<number> {
  const port = opts.port === undefined ? undefined : Number(opts.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65_535)) {
    process.stderr.write(`runbook: --port must be a port number, got ${String(opts.port)}\n`);
    return 1;
  }
  const parameters: Record<string, string> = {};
  for (const item of (opts.parameter as string[] | undefined) ?? []) {
    const [name = '', ...rest] = item.split('=');
    if (!/^[A-Za-z0-9]+$/.test(name) || rest.length === 0) {
      process.stderr.write(
        `runbook: --parameter must be Name=Value (a template.yaml parameter), got ${item}\n`,
      );
      return 1;
    }
    parameters[name] = rest.join('=');
  }
  // A stack whose functions would refuse their settings is refused here, naming each mistake: before moto
  // starts for what the parameters alone show, after provisioning for what needs the stack's resources.
  const template = loadTemplate();
  let values: Record<string, string>;
  try {
    values = parameterValues(template, parameters);
  } catch (error) {
    if (!(error instanceof UnresolvedError)) throw error;
    process.stderr.write(`runbook: --parameter: ${error.message} (not a template.yaml parameter)\n`);
    return 2;
  }
  const early = parameterProblems(template, values);
  if (early.length > 0) {
    process.stderr.write(describeProblems(early));
    return 2;
  }
  // One emulator per state folder: a second would take over the first's description and exports, and remove
  // them when it stopped, leaving the first running with nothing pointing at it.
  const running = loadState(stateFile);
  if (running?.endpoint && (await answers(running.endpoint))) {
    process.stderr.write(
      `runbook: an emulator is already running at ${running.endpoint} (${shown(stateFile)}): use it (\`. ${shown(exportsFile)}\`), stop it first (Ctrl-C in its shell), or start another in a folder of its own (RUNBOOK_STATE_DIR=DIR)\n`,
    );
    return 1;
  }
  const moto = await startMoto(port === undefined ? {} : { port });
  const state = await provisionStack({ endpoint: moto.endpoint, parameters }).catch(async (error) => {
    await moto.stop();
    throw error;
  });
  const late = settingProblems(resolveContext(template, state));
  if (late.length > 0) {
    await moto.stop();
    process.stderr.write(describeProblems(late));
    return 2;
  }
  const standIn = await CloudWatchStandIn.start(moto.endpoint);
  state.cloudwatchEndpoint = standIn.endpoint;
  saveState(state);
  const envFile = shown(writeExportsFile(state));
  printLine(`lambda-runbook emulator: moto at ${moto.endpoint}, stack ${state.stackName} provisioned.`);
  printLine(
    `CloudWatch through ${standIn.endpoint} (the stand-in that keeps alarm history for the timeline).`,
  );
  printLine(
    resolve(stateDir) === resolve(defaultStateDir)
      ? `In another shell, \`runbook …\` finds it by itself (${envFile}); for the SDK or aws CLI:`
      : `In another shell, source ${envFile} first (it sets RUNBOOK_STATE_DIR): for \`runbook …\`, the SDK or aws CLI:`,
  );
  printLine(`  . ${envFile}        # or:`);
  for (const line of exportLines(state, { stateDir })) printLine(`  ${line}`);
  printLine(
    `  runbook invoke HealthFunction -e ${shown(join(projectRoot, 'events/direct/health-metadata.json'))}`,
  );
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
  const sources = queueSources(state);
  const mappings = deliverQueues(state, sources);
  printLine(
    `SQS event source mappings (delivered here, as Lambda would): ${sources.map((source) => `${source.logicalId}.${source.event}`).join(', ') || 'none'}`,
  );
  printLine(`Stack description: ${shown(stateFile)}. Ctrl-C stops the emulator.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await mappings.stop();
  // Only what still describes this emulator: another may have been started in this folder since.
  if (loadState(stateFile)?.endpoint === state.endpoint) clearState();
  if (readExportsFile()?.AWS_ENDPOINT_URL === state.endpoint) clearExportsFile();
  await standIn.stop();
  await moto.stop();
  printLine('emulator stopped');
  return 0;
}

/** The template's SQS events, polled and delivered in this process until the emulator stops. */
function deliverQueues(state: EmulatorState, sources: ReturnType<typeof queueSources>) {
  // The handlers run here: pointed at this emulator, as the CLI points a local command at it (cli/target.ts).
  Object.assign(process.env, emulatorEnv(state.endpoint), {
    AWS_REGION: state.region,
    AWS_DEFAULT_REGION: state.region,
    ...(state.cloudwatchEndpoint ? { AWS_ENDPOINT_URL_CLOUDWATCH: state.cloudwatchEndpoint } : {}),
  });
  const sqs = new SQSClient(emulatorClientConfig(state));
  const say = (text: string) => process.stderr.write(`emulator: ${text}\n`);
  const polling = pollSources({
    sqs,
    sources,
    // The description as saved now: a parameter changed since start (a test, an operator) is the stack's.
    stateOf: () => loadState() ?? state,
    around: withStdoutOnStderr,
    onDelivery: (source, delivery) =>
      say(
        `${source.logicalId}.${source.event}: message ${delivery.messageId} ${
          delivery.deleted
            ? 'handled and deleted'
            : `failed (${delivery.error instanceof Error ? delivery.error.message : 'batch item failure'}): left on the queue`
        }`,
      ),
    onError: (source, error) =>
      say(`${source.logicalId}.${source.event}: ${error instanceof Error ? error.message : String(error)}`),
  });
  return {
    async stop() {
      await polling.stop();
      sqs.destroy();
    },
  };
}
