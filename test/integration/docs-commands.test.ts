// Every fenced shell command of README.md and RUNBOOK.md that targets the emulator runs as written: the
// compiled `runbook` on the PATH (as `npm link` puts it), against a running `runbook emulator` that the
// commands find by themselves. A command that is not run must be on SKIPPED with the reason, and a new
// command that is neither fails this file: the docs cannot drift from the CLI unnoticed.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../local/template.js';
import { cliBin } from '../../scripts/build-cli.js';

const DOCS = ['README.md', 'RUNBOOK.md'];

/** The commands of a markdown file's sh/bash/shell fences: continuations joined, comments and blanks dropped. */
function fencedCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const match of markdown.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    const body = (match[1] as string).replace(/\\\n/g, ' ');
    for (const line of body.split('\n')) {
      // An aligned comment (` # …`) is the reader's, not the shell's; `#general` inside quotes stays.
      const command = line
        .replace(/\s+#\s.*$/, '')
        .replace(/\s+/g, ' ')
        .trim();
      if (command && !command.startsWith('#')) commands.push(command);
    }
  }
  return commands;
}

/** Commands that run here: they target the emulator (or prepare a file one of them reads). */
const RUNS = [/^runbook /, /^npm run invoke -- /, /^echo '\{/];

/**
 * Placeholders the docs use for the reader's own names, and the emulator's sample that stands in for each.
 * `trading-api-key` is the RUNBOOK's example secret; the emulator's sample secret plays it.
 */
const PLACEHOLDERS: Record<string, string> = {
  '<name>': 'runbook-local-WorkloadFunction',
  '<workload>': 'runbook-local-WorkloadFunction',
  '<group>': 'runbook-local-workload',
  '<other>': 'runbook-local-workload-daily',
  '<dlq>': 'runbook-local-WorkloadDLQ',
  '<dlq-name-or-url>': 'runbook-local-WorkloadDLQ',
  'trading-api-key': 'runbook-local-sample-api-key',
};

/** Commands that run but answer other than 0, and why that is the documented behaviour. */
const EXPECTED: Record<string, { code: number; stderr: string; why: string }> = Object.fromEntries(
  [
    'runbook schedules disable --group <group> --all --reason "orders rejected since 03:02"',
    'runbook schedules disable --group <group> --name-prefix daily- --reason "daily jobs booking twice"',
    'runbook schedules disable --schedule <group>/<name> --schedule <group>/<other> --reason "two jobs firing twice"',
    'runbook schedules disable --group <group> --all --function <workload> --throttle --reason "runaway retries"',
    'runbook schedules enable --restore-id ks-20261122T031001123Z-3fa9c2d1 --reason "fix deployed at 04:10"',
    'runbook secret rotate --secret-id trading-api-key',
  ].map((command) => [
    command,
    {
      code: 1,
      stderr: 'pass --yes',
      why: 'asks a person first; without a terminal it refuses before acting, as the docs say',
    },
  ]),
);

const REAL_AWS = 'acts on a deployed stack or real AWS account (no emulator stands in for it)';
const NOT_EMULATOR = 'a project task, not an emulator command: CI runs it, or its own test does';
const HELD =
  'needs the approvalId of a request held for approval: cli-approvals.test.ts runs it against an emulator that holds drains';
const SYNOPSIS = 'a synopsis of the options ([…] optional), not a command to run';

/** Every fenced command not run here, and why. */
const SKIPPED: Record<string, string> = {
  // Its own emulator for one call (moto started and provisioned: ~4 CPU-s): cli.test.ts runs this very command
  // and checks its answer field by field.
  'runbook invoke HealthFunction -e events/apigw/health-metadata.json --emulator':
    'cli.test.ts runs it as written (`runbook invoke` with these arguments) and checks the answer',
  'npm ci && npm run drill':
    'installs packages, then the drill: CI does both, and drill.test.ts runs the drill',
  'npm test': 'the test suite itself',
  'npm run emulator': 'runs until Ctrl-C: this file starts it (`runbook emulator`) before the others',
  '. .runbook/emulator.env':
    "sources the exports into the reader's own shell; emulator-exports.test.ts sources that file with sh",
  'runbook schedules status --audit-id <auditId> --page 2':
    'needs the auditId of a real run: killswitch-scale.test.ts reads the pages of one, and cli-schedules.test.ts the command',
  'npm link': 'changes the machine-wide npm prefix; the test puts `runbook` on its PATH instead',
  'npm run build': NOT_EMULATOR,
  'npm run build:cli': NOT_EMULATOR,
  'npm run typecheck': NOT_EMULATOR,
  'npm run lint': NOT_EMULATOR,
  'npm run bench': NOT_EMULATOR,
  'npm run audit:supply-chain': NOT_EMULATOR,
  'npm run bench -- --only smoke': NOT_EMULATOR,
  'npm run bench -- --only dlq': NOT_EMULATOR,
  'npm run bench -- --only killswitch': NOT_EMULATOR,
  'npm run bench -- --only cli-startup': NOT_EMULATOR,
  'npm run docs:iam': NOT_EMULATOR,
  'npm run bench -- --small': NOT_EMULATOR,
  'npm run audit:supply-chain -- --allow-offline': NOT_EMULATOR,
  'npm run measures': NOT_EMULATOR,
  'stack_id=$(aws cloudformation list-stacks --stack-status-filter DELETE_COMPLETE --query "StackSummaries[?StackName==\'lambda-runbook-dev\'].StackId | [0]" --output text)':
    REAL_AWS,
  'aws cloudformation list-stack-resources --stack-name "$stack_id" --query "StackResourceSummaries[?ResourceStatus==\'DELETE_SKIPPED\'].[LogicalResourceId,PhysicalResourceId]"':
    REAL_AWS,
  'aws sqs get-queue-attributes --queue-url <url> --attribute-names ApproximateNumberOfMessages': REAL_AWS,
  'aws sqs delete-queue --queue-url <url>': REAL_AWS,
  'aws secretsmanager delete-secret --secret-id <stack>-sample-api-key --recovery-window-in-days 7': REAL_AWS,
  'aws dynamodb delete-table --table-name <table>': REAL_AWS,
  'npm run drill -- --only deploy.': 'the drill; drill.test.ts runs it whole',
  'npm run drill -- --only canary.': 'the drill; drill.test.ts runs it whole',
  'npm run bench -- --only canary': NOT_EMULATOR,
  'npm run bench -- --only fleet': NOT_EMULATOR,
  // Prints parameter values from watchlist.json for a deploy; test/unit/watchlist-params.test.ts runs it.
  'npm run -s watchlist:params -- --account 123456789012 --region us-east-1': NOT_EMULATOR,
  'runbook freeze status --stack lambda-runbook-prod': REAL_AWS,
  'runbook secret rotate --secret-id trading-api-key --emergency --reason "key posted in #general" --yes --stack lambda-runbook-prod':
    REAL_AWS,
  'runbook secret revoke-previous --secret-id trading-api-key --emergency --reason "key leaked" --yes --stack lambda-runbook-prod':
    REAL_AWS,
  'runbook secret revoke-previous --secret-id trading-api-key --emergency --reason "key leaked" --yes --stack lambda-runbook-prod --break-glass "the key is in use by an attacker"':
    REAL_AWS,
  'runbook approval <approvalId> --as bob': HELD,
  'runbook approve <approvalId> --reason "consumer fixed at 03:40" --as bob': HELD,
  'runbook reject <approvalId> --reason "wait for the 04:00 deploy" --as carol': HELD,
  'runbook approve <approvalId> --reason "charges confirmed doubled" --as carol --wait 120': HELD,
  'runbook approve <approvalId> --stack lambda-runbook-prod --reason "checked the upstream"': REAL_AWS,
  'runbook fleet disable --tag team=payments --reason "duplicate charges" --yes --as alice':
    'held for approval only where kill switch disables are (prod, or ApprovalFor=schedules.disable), and the docs emulator watches no team=payments workload: cli-approvals.test.ts runs it against a fleet of two accounts that holds it, then approves it',
  'runbook timeline --stack lambda-runbook-prod --since 6h --format markdown --out /tmp/postmortem-timeline.md':
    REAL_AWS,
  'sam build && sam deploy --config-env dev --parameter-overrides $(npx tsx scripts/deploy-params.ts --config-env dev --git-sha "$(git rev-parse HEAD)" --build-id "manual-$(date +%s)")':
    REAL_AWS,
  'API=$(aws cloudformation describe-stacks --stack-name lambda-runbook-dev --query "Stacks[0].Outputs[?OutputKey==\'OpsApiUrl\'].OutputValue" --output text)':
    REAL_AWS,
  'curl -s "$API/health"': REAL_AWS,
  'curl -s --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-security-token: $AWS_SESSION_TOKEN" "$API/health/metadata"':
    REAL_AWS,
  'curl -s --aws-sigv4 "aws:amz:$AWS_REGION:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-security-token: $AWS_SESSION_TOKEN" "$API/health/metadata"':
    REAL_AWS,
  'curl -s --aws-sigv4 "aws:amz:$AWS_REGION:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-security-token: $AWS_SESSION_TOKEN" -H \'content-type: application/json\' -d \'{"functionName":"<name>","reason":"errors since the 03:00 deploy"}\' "$API/rollback"':
    REAL_AWS,
  'curl -s --aws-sigv4 "aws:amz:$AWS_REGION:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-security-token: $AWS_SESSION_TOKEN" -H \'content-type: application/json\' -d \'{"queue":"<dlq>","reason":"pricing API back"}\' "$API/dlq/drain"':
    REAL_AWS,
  'runbook rollback --stack lambda-runbook-dev --function <name> --reason "errors since the deploy" --dry-run':
    REAL_AWS,
  'runbook schedules status --stack lambda-runbook-dev --all': REAL_AWS,
  'runbook dlq peek --stack lambda-runbook-dev --queue <dlq-name>': REAL_AWS,
  'runbook rollback --stack lambda-runbook-prod --function <name> --reason "…" --yes': REAL_AWS,
  'runbook rollback --via lambda --runbook-function <RollbackFunctionName> --function <name> --reason "…" --yes': `${REAL_AWS}; moto's Lambda Invoke runs no code`,
  'runbook dlq drain --via lambda --dlq-function <DlqDrainerFunctionName> --queue <dlq> --reason "…" --yes': `${REAL_AWS}; moto's Lambda Invoke runs no code`,
  'aws lambda invoke --function-name <HealthFunctionName> --payload \'{"action":"metadata"}\' --cli-binary-format raw-in-base64-out /dev/stdout': `${REAL_AWS}; moto's Lambda Invoke runs no code`,
  'aws lambda invoke --function-name trading:8 --payload \'{"runbook":"health"}\' --cli-binary-format raw-in-base64-out /dev/stdout': `${REAL_AWS}; moto's Lambda Invoke runs no code`,
  'aws dynamodb query --table-name <AuditTableName> --index-name byTarget --key-condition-expression "#t = :t" --expression-attribute-names \'{"#t":"target"}\' --expression-attribute-values \'{":t":{"S":"function:<name>:live"}}\' --no-scan-index-forward':
    'the deployed ledger (its table name is an output of the real stack)',
  'aws dynamodb get-item --table-name <AuditTableName> --key \'{"auditId":{"S":"<auditId>"}}\'':
    'the deployed ledger (its table name is an output of the real stack)',
  'runbook rollback --function <name> [--alias live] [--to-version N | --to-git-sha SHA] --reason "…"':
    SYNOPSIS,
  'runbook dlq drain --queue <dlq> --reason "…" [--rate 10] [--max 1000] [--max-age 3600] [--concurrency 10]':
    SYNOPSIS,
  '[--error-code 429] [--attribute tenant=acme]': SYNOPSIS,
  '[--target-function NAME [--qualifier live] | --target-queue NAME | --target-source]': SYNOPSIS,
};

const documented = DOCS.flatMap((doc) =>
  fencedCommands(readFileSync(join(projectRoot, doc), 'utf8')).map((command) => ({ doc, command })),
);
// A command both documents show (deploy-sim) runs once: the second run would prove nothing new.
const runnable = documented.filter(
  ({ command }, index) =>
    !(command in SKIPPED) &&
    RUNS.some((pattern) => pattern.test(command)) &&
    documented.findIndex((item) => item.command === command) === index,
);

function asWritten(command: string): string {
  let text = command;
  for (const [placeholder, value] of Object.entries(PLACEHOLDERS)) text = text.replaceAll(placeholder, value);
  return text;
}

describe('the commands of README.md and RUNBOOK.md', () => {
  let emulator: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // `runbook` on the PATH, as `npm link` puts it; the emulator as `npm run emulator` starts it.
    const bin = mkdtempSync(join(tmpdir(), 'runbook-bin-'));
    symlinkSync(cliBin, join(bin, 'runbook'));
    const { AWS_ENDPOINT_URL: _unset, ...rest } = process.env;
    env = { ...rest, PATH: `${bin}:${process.env.PATH}`, NODE_NO_WARNINGS: '1' };
    const child = spawn(process.execPath, [cliBin, 'emulator'], { cwd: projectRoot, env, stdio: 'pipe' });
    emulator = child;
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const endpoint = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const found = /moto at (http:\/\/127\.0\.0\.1:\d+), stack \S+ provisioned/.exec(output);
        if (found) resolve(found[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`runbook emulator exited ${code}: ${output}`)));
    });
    // The commands find it through .runbook/emulator.env; the explicit endpoint also satisfies the test
    // setup's rule that nothing here may reach beyond 127.0.0.1.
    env.AWS_ENDPOINT_URL = endpoint;
  }, 120_000);

  afterAll(async () => {
    if (!emulator || emulator.exitCode !== null) return;
    const exited = new Promise((resolve) => emulator?.once('exit', resolve));
    emulator.kill('SIGTERM');
    await exited;
  });

  it('lists every command it does not run, and no command that is gone', () => {
    // Assess
    const commands = new Set(documented.map(({ command }) => command));
    const unlisted = documented.filter(
      ({ command }) =>
        !(command in SKIPPED) &&
        (!RUNS.some((pattern) => pattern.test(command)) || /<[a-z][\w-]*>|\[-/i.test(asWritten(command))),
    );
    expect(unlisted, 'run it here, or add it to SKIPPED with the reason').toEqual([]);
    expect(Object.keys(SKIPPED).filter((command) => !commands.has(command))).toEqual([]);
    expect(Object.keys(EXPECTED).filter((command) => !commands.has(command))).toEqual([]);
    expect(runnable.length).toBeGreaterThan(15);
  });

  it.each(runnable.map(({ doc, command }) => [doc, command] as const))(
    '%s: %s',
    (_doc, command) => {
      // Act
      const result = spawnSync('bash', ['-c', asWritten(command)], {
        cwd: projectRoot,
        env,
        encoding: 'utf8',
        input: '',
        timeout: 120_000,
      });

      // Assess
      const expected = EXPECTED[command];
      expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(expected?.code ?? 0);
      if (expected) expect(result.stderr).toContain(expected.stderr);
      if (/^runbook (?!.*--help)/.test(command) && result.status === 0) {
        // Not a terminal: one JSON document on stdout and nothing else, and the target said on stderr.
        expect(() => JSON.parse(result.stdout), result.stdout).not.toThrow();
        expect(result.stderr).toMatch(/^runbook: target: /m);
      }
    },
    120_000,
  );
});
