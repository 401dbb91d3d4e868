// Fleet: one bad change (a shared layer, a config push) breaks three workloads in two accounts at once.
// One request rolls them all back, each to its own known-good version in its own account; the fleet status
// says beforehand whether each can be rolled back; the undo the answer prints restores them all.
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import type { WatchList, Workload } from '../../../shared/fleet/workload.js';
import { breakFleet, type PreparedFleet, prepareFleet, watchListFile } from '../../fleet/provision.js';
import type { DrillContext, Scenario } from '../scenario.js';

const MEMBER = '222222222222';
const NAMES = ['orders', 'refunds', 'payouts'];

interface Line {
  workload: string;
  account: string;
  outcome: string;
  summary: string;
}

/** The flags of a printed `runbook fleet …` command, as the shell would split them (shared/undo.ts quoting). */
export function flagsOf(command: string): { subcommand: string; flags: Record<string, string | string[]> } {
  const words = [...command.matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map((match) =>
    match[1] !== undefined ? match[1].replace(/'\\''/g, "'") : String(match[2]),
  );
  const [runbook, fleet, subcommand, ...rest] = words;
  if (runbook !== 'runbook' || fleet !== 'fleet' || !subcommand)
    throw new Error(`not a fleet command: ${command}`);
  const flags: Record<string, string | string[]> = {};
  for (let index = 0; index < rest.length; index++) {
    const name = String(rest[index]).replace(/^--/, '');
    const next = rest[index + 1];
    const takesValue = next !== undefined && !next.startsWith('--');
    const value = takesValue ? next : 'true';
    if (takesValue) index++;
    const previous = flags[name];
    flags[name] =
      previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return { subcommand, flags };
}

/** The request a printed `runbook fleet undo …` sends. */
function undoRequest(command: string): Record<string, unknown> {
  const { subcommand, flags } = flagsOf(command);
  if (subcommand !== 'undo') throw new Error(`expected a fleet undo, got ${command}`);
  const workloads = flags.workload;
  return {
    action: 'undo',
    auditId: flags['audit-id'],
    reason: flags.reason,
    ...(workloads ? { workloads: Array.isArray(workloads) ? workloads : [workloads] } : {}),
  };
}

async function serving(lambdaFor: PreparedFleet['lambdaFor'], workload: Workload) {
  const lambda = await lambdaFor(workload.account);
  const alias = await lambda.send(
    new GetAliasCommand({ FunctionName: workload.functionName, Name: workload.alias }),
  );
  return String(alias.FunctionVersion);
}

export const fleetScenarios: Scenario[] = [
  {
    name: 'fleet.one-bad-change',
    summary:
      'one bad change breaks three workloads in two accounts; one command rolls them all back, its undo restores them',
    async run(ctx: DrillContext) {
      const prepared = await prepareFleet({
        prefix: `${ctx.state.stackName}-fleet`.slice(0, 40),
        members: [
          { name: 'orders', tags: { team: 'payments' } },
          { name: 'refunds', account: MEMBER, tags: { team: 'payments' } },
          { name: 'payouts', account: MEMBER, tags: { team: 'treasury' } },
        ],
      });
      const list: WatchList = prepared.watchList;
      const env = { WATCH_LIST: JSON.stringify(watchListFile(list)), WATCH_TAG_DISCOVERY: 'false' };
      ctx.step(
        `watching ${list.workloads.length} workloads: orders in this account, refunds and payouts in ${MEMBER}`,
      );

      const broken = await breakFleet(list.workloads, prepared.lambdaFor, 'shared layer v2 (bad)');
      ctx.step(
        `one bad change went live everywhere: ${Object.entries(broken)
          .map(([name, version]) => `${name}@${version}`)
          .join(', ')}`,
      );

      const status = await ctx.invoke(
        'FleetFunction',
        { actor: 'cli:drill@local', action: 'status', workloads: NAMES },
        env,
      );
      ctx.expect(
        status.body.ok !== false,
        `fleet status failed: ${JSON.stringify(status.body).slice(0, 300)}`,
      );
      const lines = status.body.workloads as {
        workload: string;
        readiness?: { ready: boolean; knownGood?: string };
      }[];
      for (const line of lines) {
        ctx.expect(
          line.readiness?.ready === true,
          `${line.workload} is not ready to roll back: ${JSON.stringify(line.readiness)}`,
        );
        ctx.step(`status: ${line.workload} ready, known good ${line.readiness.knownGood}`);
      }

      const rolled = await ctx.invoke(
        'FleetFunction',
        {
          actor: 'cli:drill@local',
          action: 'rollback',
          workloads: NAMES,
          reason: 'drill: shared layer v2 breaks everything',
        },
        env,
      );
      const counts = rolled.body.counts as Record<string, number> | undefined;
      ctx.expect(
        counts?.succeeded === 3,
        `expected 3 workloads rolled back, got ${JSON.stringify(rolled.body).slice(0, 400)}`,
      );
      for (const line of rolled.body.workloads as Line[])
        ctx.step(`${line.workload} (${line.account}): ${line.summary}`);
      for (const workload of list.workloads) {
        const now = await serving(prepared.lambdaFor, workload);
        ctx.expect(
          now === String(Number(broken[workload.name]) - 1),
          `${workload.name} serves ${now}, not the version before the bad change`,
        );
      }

      const undo = String(rolled.body.undo);
      ctx.step(`undo: ${undo}`);
      const undone = await ctx.invoke(
        'FleetFunction',
        { actor: 'cli:drill@local', ...undoRequest(undo) },
        env,
      );
      ctx.expect(
        (undone.body.counts as Record<string, number> | undefined)?.succeeded === 3,
        `the undo did not restore all three: ${JSON.stringify(undone.body).slice(0, 400)}`,
      );
      for (const workload of list.workloads) {
        const now = await serving(prepared.lambdaFor, workload);
        ctx.expect(
          now === broken[workload.name],
          `${workload.name} serves ${now} after the undo, not ${broken[workload.name]}`,
        );
      }
      ctx.step('the undo put every workload back exactly where the run found it');
    },
  },
];
