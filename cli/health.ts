// runbook health [--metadata] [--emulator | --via lambda --runbook-function NAME | --api-url URL | --stack NAME]
// What is deployed and how it is doing: liveness (GET /health, no AWS call), or with --metadata the build
// (git sha, build id, deploy time), the version the watched alias serves, its schedules and alarms.
import { parseArgs } from 'node:util';
import { cliActor } from './prompt.js';
import { type SendDeps, send, transportOptions, transportOrExplain, transportUsage } from './transport.js';

export const usage = `usage: runbook health [--metadata] [--emulator | --via lambda --runbook-function NAME | --api-url URL | --stack NAME]

  --metadata           the build and the live state, not only liveness
${transportUsage}`;

export async function healthCommand(argv: string[], deps: SendDeps = {}): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      metadata: { type: 'boolean', default: false },
      ...transportOptions,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const transport = transportOrExplain(values, usage);
  if (!transport) return 1;
  const action = values.metadata ? 'metadata' : 'liveness';
  return send(
    {
      logicalId: 'HealthFunction',
      route: { method: 'GET', path: values.metadata ? '/health/metadata' : '/health' },
      request: { action, actor: cliActor() },
    },
    transport,
    deps,
  );
}
