// The `runbook` command line: every command, option and help text in one place (commander), each command's
// work in its own file, loaded only when that command runs — `runbook --help` reads no AWS SDK.
import { Command, CommanderError, Option } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import type { Opts, Run } from './opts.js';
import { setOutputMode } from './output.js';
import type { SendDeps } from './transport.js';

const TRANSPORT_HELP = `
Where it acts (said on stderr before anything happens):
  (default)            the running \`npm run emulator\`: AWS_ENDPOINT_URL, else .runbook/emulator.env
  --emulator           a throwaway emulator started, provisioned and stopped for this command
  --stack NAME         the deployed stack's ops API (URL from its OpsApiUrl output), SigV4 with your AWS credentials
  --api-url URL        the same API, URL given
  --via api            alone, on the emulator: as the ops API calls the function (you are your credentials' principal)
  --as NAME            the same, as person NAME (an emulator STS session: approvals need distinct people)
  --via lambda         Lambda Invoke of the deployed function (--runbook-function NAME|ARN)
Output: a summary on a terminal; one JSON document with --json or when stdout is not a terminal.
Exit status: 0 done, 2 refused by the function (ok:false), 1 a flag refused here, no target, or an error,
130 stopped by Ctrl-C on the emulator after recording what was done (the same command finishes it).`;

function withTransport(command: Command, aliasFlag?: string): Command {
  command
    .option('--emulator', 'start a throwaway emulator, provision the stack, act there, stop it')
    .addOption(new Option('--via <way>', 'how to reach the function').choices(['local', 'lambda', 'api']))
    .option('--runbook-function <name>', 'the deployed function, for --via lambda')
    .option('--api-url <url>', 'the deployed ops API (implies --via api)')
    .option('--stack <name>', 'the deployed stack whose OpsApiUrl output to call (implies --via api)')
    .option(
      '--as <session>',
      'the emulator only: call as the ops API would, as person SESSION (a session of its STS; implies --via api)',
    );
  if (aliasFlag) command.option(`--${aliasFlag} <name>`, 'the same as --runbook-function, for this command');
  return command.addHelpText('after', TRANSPORT_HELP);
}

const yes = (command: Command) =>
  command.option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)');

function schedulesOptions(command: Command): Command {
  return withTransport(
    yes(
      command
        .option('--group <group>', 'the schedule group (with --name-prefix or --all)')
        .option('--name-prefix <prefix>', "the group's schedules whose names start with PREFIX")
        .option(
          '--all',
          'every schedule of --group (or, alone, of every watched group): spelled out on purpose',
        )
        .option(
          '--schedule <[group/]name>',
          'one schedule (repeatable; GROUP defaults to "default")',
          collect,
          [],
        )
        .option('--function <name>', 'with --throttle: the function whose reserved concurrency is set to 0')
        .option('--throttle', 'also set --function to reserved concurrency 0 (disable only)')
        .option('--restore-id <id>', 'the kill switch to restore (enable) or to finish (disable)')
        .option(
          '--audit-id <id>',
          "status: every schedule's outcome of that disable or enable, 1,000 a page (with --page)",
        )
        .option('--page <n>', 'with --audit-id: the page to read (from 1)')
        .option('--reason <text>', 'why: kept in the audit record and the ops notification')
        .option('--dry-run', 'read everything and print the plan; change nothing (no confirmation asked)')
        .option(
          '--break-glass <reason>',
          'disable alone, without the approval it would need (recorded and notified as break-glass)',
        ),
    ),
    'killswitch-function',
  );
}

function dlqOptions(command: Command): Command {
  return withTransport(
    yes(
      command
        .option('--queue <name|url>', 'the dead-letter queue')
        .option('--reason <text>', 'why (required for drain; recorded in the audit ledger)')
        .option('--rate <n>', 'at most N redrives per second (default 10)')
        .option('--max <n>', 'at most N messages (default 1000; a peek 100)')
        .option('--max-age <seconds>', 'never redrive a message older than this (default 3600)')
        .option('--concurrency <n>', 'requests in flight (default 10)')
        .option('--target-function <name>', 'redrive every message to this function')
        .option('--qualifier <alias>', 'with --target-function')
        .option(
          '--target-queue <name>',
          "redrive every message to this queue (a name; a URL must be on the drainer's own SQS endpoint)",
        )
        .option('--target-source', "redrive to the DLQ's source queue")
        .option('--error-code <code>', 'only messages with this error code')
        .option('--attribute <name=value>', 'only messages with this message attribute')
        .option('--dry-run', 'drain without sending or deleting anything (no confirmation asked)')
        .option(
          '--break-glass <reason>',
          'drain alone, without the approval it would need (recorded and notified as break-glass)',
        ),
    ),
    'dlq-function',
  ).addHelpText(
    'after',
    `A drain's "failed" count is in the answer: exit 0 means it ran, not that every message went back.`,
  );
}

const FLEET_HELP: Record<string, { description: string; example: string }> = {
  status: {
    description:
      'what each workload serves, its known-good version and readiness, schedules, DLQ depth, alarms',
    example:
      'runbook fleet status          (no selector: every watched workload)\n  runbook fleet status --tag team=payments\n  runbook fleet status --audit-id 20261122T154501123Z-3fa9c2d1',
  },
  rollback: {
    description: "each selected workload's alias back on its own known-good version",
    example:
      "runbook fleet rollback --deployed-since 30m --reason 'bad shared layer 1.4.2' --dry-run\n  runbook fleet rollback --workload orders --to-version 7 --reason 'put 7 back' --force",
  },
  disable: {
    description: "stop the selected workloads' schedules (the kill switch), --throttle their concurrency too",
    example: "runbook fleet disable --tag team=payments --reason 'duplicate charges' --throttle --dry-run",
  },
  enable: {
    description: "enable the selected workloads' schedules again, as the kill switch recorded them",
    example: "runbook fleet enable --tag team=payments --reason 'fix deployed'",
  },
  drain: {
    description: "redrive the selected workloads' dead-letter queues, each at the drainer's bounded rate",
    example: "runbook fleet drain --workload orders --workload refunds --reason 'downstream back' --dry-run",
  },
  undo: {
    description: 'put back exactly what one fleet run changed (or, with --workload, part of it)',
    example:
      "runbook fleet undo --audit-id 20261122T154501123Z-3fa9c2d1 --workload orders --reason 'orders only'",
  },
};

/** A repeatable flag without a default, so its help shows none. */
const repeat = (value: string, previous?: string[]): string[] => [...(previous ?? []), value];

function fleetOptions(command: Command, name: string): Command {
  if (name === 'undo')
    command.option('--workload <name>', 'undo only this workload’s part of the run (repeatable)', repeat);
  else
    command
      .option('--workload <name>', 'a watched workload by name (repeatable)', repeat)
      .option(
        '--tag <key=value>',
        'the watched workloads with this tag (repeatable: every one must match)',
        repeat,
      )
      .option('--all', 'every watched workload: confirmed with a prompt, or --yes without a terminal')
      .option('--deployed-since <window>', 'the workloads whose alias moved in the window: 30m, 2h, 1d')
      .option(
        '--account <id|self>',
        'only the workloads in this account (repeatable; self: the runbook’s own)',
        repeat,
      );
  if (name === 'status')
    command.option('--audit-id <id>', 'read back one fleet run instead: every workload’s outcome');
  else {
    command.option('--reason <text>', 'why (3–500 characters; kept in every audit record)');
    if (name === 'undo') command.option('--audit-id <id>', 'the fleet run to reverse (its answer prints it)');
    if (name === 'rollback')
      command
        .option('--to-version <n>', 'this version, not the known-good one (one --workload only)')
        .option('--force', 'act even within the cool-down of the last rollback');
    if (name === 'disable')
      command.option('--throttle', "also set each workload's reserved concurrency to 0");
    if (name === 'rollback' || name === 'disable' || name === 'drain')
      command.option(
        '--dry-run',
        'read everything and print the plan; change nothing (no confirmation asked)',
      );
    if (name === 'disable' || name === 'drain')
      command.option(
        '--break-glass <reason>',
        `${name} alone, without the approval the run would need (recorded and notified as break-glass)`,
      );
    yes(command);
  }
  const help = FLEET_HELP[name];
  return withTransport(command, 'fleet-function').addHelpText(
    'after',
    `\nExample:\n  ${help?.example ?? ''}`,
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function secretCommon(command: Command): Command {
  return command
    .requiredOption('--secret-id <id>', 'the secret (name or ARN)')
    .option('--emulator', 'start a throwaway emulator, provision the stack, act there, stop it');
}

/** How rotate and revoke-previous reach SecretRotationFunction (`--emulator` is secretCommon's). */
function secretRemote(command: Command): Command {
  return command
    .addOption(
      new Option('--via <way>', 'where the rotation function runs (default local)').choices([
        'local',
        'lambda',
        'api',
      ]),
    )
    .option('--rotation-function <name>', 'the deployed SecretRotationFunction, for --via lambda')
    .option('--api-url <url>', 'the deployed ops API, for the revocation (implies --via api)')
    .option('--stack <name>', 'the deployed stack whose ops API revokes (implies --via api)')
    .option(
      '--as <session>',
      'the emulator only: revoke as the ops API would, as person SESSION (implies --via api)',
    )
    .option(
      '--break-glass <reason>',
      'revoke alone, without the approval an emergency revocation would need (recorded and notified as break-glass)',
    )
    .addHelpText(
      'after',
      `
Through the ops API (--stack, --api-url, --via api, --as) the requester is the signed principal, and an emergency
revocation may be held for approval (ApprovalFor secret.revoke; auto does in prod): the answer then says the key
is NOT yet revoked, with the approval id and how to approve (runbook approve ID).`,
    );
}

/** Builds the program; `setCode` receives each action's exit status. */
export function buildProgram(setCode: (code: number) => void, deps: SendDeps = {}): Command {
  const act =
    (load: () => Promise<Run>) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const opts = command.optsWithGlobals() as Opts;
      const positionals = args.slice(0, -2).flatMap((item) => (Array.isArray(item) ? item : [item]));
      setOutputMode({
        json: Boolean(opts.json) || (!opts.human && !process.stdout.isTTY),
        verbose: Boolean(opts.verbose),
      });
      const run = await load();
      setCode(
        await run(
          { ...opts, args: positionals.filter((item): item is string => typeof item === 'string') },
          deps,
        ),
      );
    };

  const program = new Command('runbook')
    .description(
      'The operations runbook of a production AWS Lambda workload: roll back, stop schedules, drain a DLQ, rotate a key.',
    )
    .version(pkg.version, '-V, --version', 'print the version')
    .option('--json', 'print exactly one JSON document on stdout (the default when stdout is not a terminal)')
    .option('--human', 'print the summary even when stdout is not a terminal')
    .option('-v, --verbose', 'full details, and the functions’ INFO logs and metrics on stderr')
    .showHelpAfterError('(`runbook help <command>` lists its options)')
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      writeOut: (text) => process.stdout.write(text),
    })
    .addHelpText(
      'after',
      `
Start here: \`npm run emulator\` in one shell, then any command in another (it finds the emulator by itself).
The game-day drill: npm run drill -- [--json] [--out FILE] [--only PREFIX]  (--json writes dist/drill.json).`,
    );

  program
    .command('invoke')
    .description('run a handler in-process, as `sam local invoke` does (no Docker)')
    .argument('<logicalId>', 'the function in template.yaml, e.g. HealthFunction')
    .option('-e, --event <file>', 'the event (JSON); default {}')
    .option(
      '--env-vars <file>',
      'environment overrides in SAM format: { "<LogicalId>": { "VAR": "value" }, "Parameters": {…} }',
    )
    .option('--emulator', 'start a throwaway emulator, provision the stack, invoke there, stop it')
    .addHelpText(
      'after',
      `
Without --emulator: the running \`npm run emulator\` (AWS_ENDPOINT_URL or .runbook/emulator.env), else AWS.
Always prints the function's own answer as JSON. Exit status: 0 success, 2 ok:false or an HTTP error, 1 it threw.`,
    )
    .action(act(async () => (await import('./invoke.js')).runInvoke));

  program
    .command('emulator')
    .description('run moto with the whole stack provisioned, until Ctrl-C; writes .runbook/emulator.env')
    .option('--port <n>', 'the port on 127.0.0.1 (default: a free one)')
    .option(
      '--parameter <Name=Value>',
      'a template.yaml parameter for the emulated stack, as `sam deploy --parameter-overrides` (repeatable)',
      collect,
      [],
    )
    .action(act(async () => (await import('./emulator.js')).runEmulator));

  withTransport(
    program
      .command('health')
      .description('what is deployed: liveness, or with --metadata the build and the live state')
      .option('--metadata', 'the build and the live state, not only liveness'),
  ).action(act(async () => (await import('./health.js')).runHealth));

  withTransport(
    yes(
      program
        .command('rollback')
        .description('put an alias back on the known-good version')
        .option('--function <name>', 'the workload function')
        .option('--alias <alias>', 'the alias (default live)')
        .option('--to-version <n>', 'this version, not the one the rules choose')
        .option('--to-git-sha <sha>', 'the newest version built from this commit')
        .option('--reason <text>', 'why (3–500 characters; kept in the audit record)')
        .option('--dry-run', 'read everything and print the plan; change nothing (no confirmation asked)')
        .option('--force', 'act even within the cool-down of the last rollback'),
    ),
    'rollback-function',
  ).action(act(async () => (await import('./rollback.js')).runRollback));

  const secret = program
    .command('secret')
    .description('rotate an API key, check its stages (never its value), revoke the previous key')
    .argument('[subcommand]')
    .action(act(async () => async () => unknownSubcommand('secret', 'status, rotate or revoke-previous')));
  secretCommon(
    secret.command('status').description('stages of every version, last and next rotation, a stuck rotation'),
  ).action(act(async () => (await import('./secret.js')).runSecret('status')));
  secretRemote(
    yes(
      secretCommon(
        secret
          .command('rotate')
          .description('start a rotation now (on the emulator the four steps run here)'),
      )
        .option('--resume', 'finish the rotation stuck on its AWSPENDING version (its key is reused)')
        .option(
          '--emergency',
          'the current key leaked: once rotated, revoke the replaced key at once (needs --reason)',
        )
        .option('--reason <text>', 'why (required with --emergency)')
        .option('--wait <seconds>', 'on AWS, wait up to N seconds for Secrets Manager to finish', '90')
        .option('--dry-run', 'say what the rotation would do to which versions; change nothing'),
    ),
  ).action(act(async () => (await import('./secret.js')).runSecret('rotate')));
  secretRemote(
    yes(
      secretCommon(
        secret
          .command('revoke-previous')
          .description('revoke the key on AWSPREVIOUS (refused inside the grace period unless --emergency)'),
      )
        .option('--reason <text>', 'why')
        .option('--emergency', 'inside the grace period too')
        .option('--dry-run', 'say what would be revoked; change nothing'),
    ),
  ).action(act(async () => (await import('./secret.js')).runSecret('revoke-previous')));

  yes(
    program
      .command('deploy-sim')
      .description('simulate a CodeDeploy canary (hooks, shift, alarms) in the emulator, step by step')
      .option('--function <name>', 'the function to deploy (e.g. runbook-local-WorkloadFunction)')
      .option('--to-version <n>', 'the published version to shift the alias to')
      .option('--alias <alias>', 'the alias (default live)')
      .option('--canary-ms <ms>', 'how long the canary serves before the alarms are checked', '1000')
      .option('--emulator', 'start a throwaway emulator, provision the stack, deploy there, stop it'),
  )
    .addHelpText(
      'after',
      '\nThe emulator only. Exit status: 0 Succeeded, 2 Failed or Stopped (rolled back), 1 could not run.',
    )
    .action(act(async () => (await import('./deploy-sim.js')).runDeploySim));

  const schedules = program
    .command('schedules')
    .description('emergency stop of schedules (the kill switch), and its exact restore')
    .argument('[subcommand]')
    .action(act(async () => async () => unknownSubcommand('schedules', 'disable, enable or status')));
  for (const [name, description] of [
    ['disable', 'disable the selected schedules, keeping every definition in the audit ledger'],
    ['enable', 'restore what a disable changed (--restore-id, or the selector the disable used)'],
    ['status', 'what is stopped, by whom, since when, and the state of the schedules'],
  ] as const)
    schedulesOptions(schedules.command(name).description(description)).action(
      act(async () => (await import('./schedules.js')).runSchedules(name)),
    );

  const freeze = program
    .command('freeze')
    .description('change freezes: what the functions refuse now, until when, and the next window')
    .argument('[subcommand]')
    .action(act(async () => async () => unknownSubcommand('freeze', 'status')));
  freeze
    .command('status')
    .description('what is frozen now (or --at), until when, by which window, and the next window')
    .option('--at <iso>', 'the instant to ask about, e.g. 2026-03-06T14:30:00Z (default now)')
    .option('--emulator', 'start a throwaway emulator, provision the stack, read it there, stop it')
    .option('--stack <name>', "the deployed stack: read its enforcing functions' configuration")
    .option('--function <name>', 'one deployed enforcing function (name or ARN) to read')
    .addHelpText(
      'after',
      `
The windows are read from the functions that enforce them (the drainer, the pre-traffic hook, the rotation
function): on the running emulator by default, on AWS with --stack or --function (GetFunctionConfiguration).
Exit status: 0 read, 2 the windows are malformed or differ between the functions, 1 could not read.`,
    )
    .action(act(async () => (await import('./freeze.js')).runFreeze));

  const dlq = program
    .command('dlq')
    .description('look into a dead-letter queue, or redrive it at a bounded rate')
    .argument('[subcommand]')
    .action(act(async () => async () => unknownSubcommand('dlq', 'peek or drain')));
  for (const [name, description] of [
    ['peek', 'counts by kind, error code and age, a few samples; nothing is sent or deleted'],
    ['drain', 'redrive at most --rate a second, never a message older than --max-age'],
  ] as const)
    dlqOptions(dlq.command(name).description(description)).action(
      act(async () => (await import('./dlq.js')).runDlq(name)),
    );

  for (const [name, verb, description] of [
    [
      'approve',
      'approve',
      'approve a pending request (you must not be its requester); enough approvals carry it out',
    ],
    ['reject', 'reject', 'reject a pending request (its requester may withdraw it)'],
    ['approval', 'status', 'where an approval request stands: its plan, who approved, until when'],
  ] as const) {
    const command = withTransport(
      program.command(name).description(description).argument('<id>', 'the approvalId the request answered'),
    );
    if (verb !== 'status') command.option('--reason <text>', 'why (kept in the audit record of your vote)');
    if (verb === 'approve')
      command.option(
        '--wait <seconds>',
        'when your approval starts a run carried out off the API call (a fleet run, a kill switch): how long to wait for its outcome (default 300; 0: do not wait)',
      );
    command
      .addHelpText(
        'after',
        '\nThrough the ops API only: the approver is the SigV4 principal of your AWS credentials (on the emulator, what its STS says you are).',
      )
      .action(act(async () => (await import('./approve.js')).runApproval(verb)));
  }

  const fleet = program
    .command('fleet')
    .description('one action across many watched workloads: status, rollback, kill switch, drain, undo')
    .argument('[subcommand]')
    .addHelpText(
      'after',
      `
Select workloads with --workload NAME, --tag KEY=VALUE, --all or --deployed-since 30m (--account narrows).
Every change asks first, showing each workload's plan; the answer prints the undo of the whole run.
Example:
  runbook fleet status
  runbook fleet rollback --tag team=payments --reason 'bad shared layer 1.4.2'`,
    )
    .action(
      act(
        async () => async () =>
          unknownSubcommand('fleet', 'status, rollback, disable, enable, drain or undo'),
      ),
    );
  for (const name of ['status', 'rollback', 'disable', 'enable', 'drain', 'undo'] as const)
    fleetOptions(fleet.command(name).description(FLEET_HELP[name]?.description ?? ''), name).action(
      act(async () => (await import('./fleet.js')).runFleet(name)),
    );

  program
    .command('timeline')
    .description('the incident timeline: actions (with undo), deployments and alarm state changes, in order')
    .option('--since <when>', 'from: a duration ago (90m, 2h, 1d) or an ISO time with a zone', '2h')
    .option('--until <when>', 'to: the same forms (default: now)')
    .option(
      '--workload <name>',
      'only this watched workload, and the actions that name it (repeatable)',
      collect,
      [],
    )
    .addOption(
      new Option('--format <format>', 'table on a terminal, markdown for a postmortem, html for one page')
        .choices(['table', 'markdown', 'html'])
        .default('table'),
    )
    .option('--out <file>', 'with --format markdown or html: write it to FILE (stdout keeps the answer)')
    .option('--limit <n>', 'at most N entries, the earliest (default and maximum 2000)')
    .option(
      '--watch-list <file>',
      "read this watch list (default: the stack's WatchList parameter, else ./watchlist.json)",
    )
    .option(
      '--stack <name>',
      'read this deployed stack with your AWS credentials (default: the running emulator)',
    )
    .addHelpText('after', TIMELINE_HELP)
    .action(act(async () => (await import('./timeline.js')).runTimeline));

  return program;
}

const TIMELINE_HELP = `
It only reads, and it reads here, with your own AWS credentials (what the aws CLI would use): the running
\`npm run emulator\` by default (AWS_ENDPOINT_URL, else .runbook/emulator.env), or with --stack NAME the stack's
AuditTable and watch settings in the account and region of your credentials. IAM: dynamodb:Query on the
AuditTable's byAction index; codedeploy:ListDeploymentGroups, ListDeployments, GetDeployment,
ListDeploymentTargets, BatchGetDeploymentTargets; cloudwatch:DescribeAlarms, DescribeAlarmHistory; with
--stack also cloudformation:DescribeStackResources and lambda:GetFunctionConfiguration.
A source it cannot read is named on a "not read:" line and the rest is shown (moto has no alarm history and
no lifecycle events: on the emulator those lines are expected). Output: a table on a terminal; one JSON
document with --json or when stdout is not a terminal; --format markdown or html prints that document
(whatever stdout is), or with --out FILE writes it there and answers as any command does.
  runbook timeline --since 2h
  runbook timeline --since 2026-11-27T13:00:00Z --until 2026-11-27T15:00:00Z --format markdown > timeline.md
  runbook timeline --since 6h --format html --out incident.html`;

function unknownSubcommand(command: string, choices: string): number {
  process.stderr.write(`runbook: ${command} needs one of ${choices} (\`runbook help ${command}\`)\n`);
  return 1;
}

/** Parses and runs one command line; returns the exit status (help and --version: 0). */
export async function runCli(argv: string[], deps: SendDeps = {}): Promise<number> {
  let code = 0;
  const program = buildProgram((value) => {
    code = value;
  }, deps);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const { explainAwsError } = await import('./target.js');
    const message =
      error instanceof Error && error.name === 'TargetError'
        ? error.message
        : (explainAwsError(error) ?? (error instanceof Error ? error.message : String(error)));
    process.stderr.write(`runbook: ${message}\n`);
    return 1;
  }
}
