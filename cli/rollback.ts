// runbook rollback --function NAME [--alias live] [--to-version N | --to-git-sha SHA] --reason TEXT
//                  [--dry-run] [--force] [--yes] [--emulator | --via lambda … | --api-url URL | --stack NAME]
// Builds the RollbackFunction's request and sends it through cli/transport.ts: the real handler in-process
// (as `runbook invoke` does), Lambda Invoke of the deployed function, or the signed ops API. Before acting
// on a person's word it asks, naming what the dry run found: function, alias, current → target version.
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Opts } from './opts.js';
import { cliActor, confirm } from './prompt.js';
import { rollbackSummary } from './render.js';
import { type Channel, openChannel, report, type SendDeps, transportOrExplain } from './transport.js';
import { bySchema, refuseWithoutTerminal } from './without-terminal.js';

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** The git sha a version's description records (`gitSha=<sha> buildId=…`), when it can be read. */
async function gitShaOf(
  lambda: LambdaClient,
  functionName: string,
  version: string,
): Promise<string | undefined> {
  try {
    const config = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version }),
    );
    return /gitSha=([0-9a-f]{7,40})/.exec(config.Description ?? '')?.[1]?.slice(0, 12);
  } catch {
    // Only the prompt loses the sha: no permission, or another account. The rollback itself does not need it.
    return undefined;
  }
}

/** `Roll back trading:live from version 3 (abc1234) to version 2 (def5678), chosen by previous-published?` */
export async function rollbackQuestion(
  plan: Record<string, unknown>,
  lambda?: LambdaClient,
): Promise<string> {
  const fn = String(plan.functionName);
  const [fromSha, toSha] = lambda
    ? await Promise.all([
        gitShaOf(lambda, fn, String(plan.fromVersion)),
        gitShaOf(lambda, fn, String(plan.toVersion)),
      ])
    : [undefined, undefined];
  const version = (n: unknown, sha: string | undefined) =>
    `version ${String(n)}${sha ? ` (git ${sha})` : ''}`;
  const stop = plan.stoppedDeploymentId ? `, stopping deployment ${String(plan.stoppedDeploymentId)}` : '';
  return `Roll back ${fn}:${String(plan.alias)} from ${version(plan.fromVersion, fromSha)} to ${version(plan.toVersion, toSha)}${stop} (chosen by ${String(plan.chosenBy)})?`;
}

export async function runRollback(opts: Opts, deps: SendDeps = {}): Promise<number> {
  const transport = transportOrExplain(opts, 'rollback-function');
  if (!transport) return 1;
  const dryRun = opts.dryRun === true;
  // The function validates everything (and names the field); the CLI only sends what was given.
  const optional = (key: string, value: unknown) => (value === undefined ? {} : { [key]: value });
  const request = {
    actor: cliActor(),
    ...optional('functionName', str(opts.function)),
    ...optional('alias', str(opts.alias)),
    ...optional('toVersion', str(opts.toVersion)),
    ...optional('toGitSha', str(opts.toGitSha)),
    ...optional('reason', str(opts.reason)),
    ...(dryRun ? { dryRun: true } : {}),
    ...(opts.force === true ? { force: true } : {}),
  };
  const ask = !dryRun && opts.yes !== true;
  if (ask && !process.stdin.isTTY)
    return refuseWithoutTerminal(
      'stdin is not a terminal: pass --yes to roll back without confirmation',
      request,
      bySchema(async () => (await import('../functions/rollback/schema.js')).rollbackRequestSchema),
      rollbackSummary,
    );
  const action = (body: Record<string, unknown>) => ({
    logicalId: 'RollbackFunction',
    route: { method: 'POST' as const, path: '/rollback' },
    request: body,
  });
  const channel: Channel = await openChannel(transport, deps);
  try {
    if (ask) {
      // A person confirms numbers, not a guess: the dry run says which version it would pick.
      const plan = await channel.send(action({ ...request, dryRun: true }));
      if (plan.exitCode !== 0) return report(plan, rollbackSummary);
      const lambda =
        transport.via === 'api' ? undefined : (deps.lambda ?? new LambdaClient({ maxAttempts: 1 }));
      try {
        const question = await rollbackQuestion(plan.result as Record<string, unknown>, lambda);
        if (!(await confirm(question))) {
          process.stderr.write('runbook: not confirmed; nothing changed\n');
          return 1;
        }
      } finally {
        if (lambda && !deps.lambda) lambda.destroy();
      }
    }
    return report(await channel.send(action(request)), rollbackSummary);
  } finally {
    await channel.close();
  }
}
