// runbook health [--metadata] [--emulator | --via lambda --runbook-function NAME | --api-url URL | --stack NAME]
// What is deployed and how it is doing: liveness (GET /health, no AWS call), or with --metadata the build
// (git sha, build id, deploy time), the version the watched alias serves, its schedules and alarms.
import type { Opts } from './opts.js';
import { cliActor } from './prompt.js';
import { healthSummary } from './render.js';
import { type SendDeps, send, transportOrExplain } from './transport.js';

export async function runHealth(opts: Opts, deps: SendDeps = {}): Promise<number> {
  const transport = transportOrExplain(opts);
  if (!transport) return 1;
  const metadata = opts.metadata === true;
  return send(
    {
      logicalId: 'HealthFunction',
      route: { method: 'GET', path: metadata ? '/health/metadata' : '/health' },
      request: { action: metadata ? 'metadata' : 'liveness', actor: cliActor() },
    },
    transport,
    deps,
    healthSummary,
  );
}
