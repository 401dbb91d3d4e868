// runbook dlq peek|drain --queue Q [--rate N] [--max N] [--max-age S] [--dry-run] --reason TEXT [--yes] …
// Builds the DlqDrainerFunction's direct request and sends it: locally, the real handler in-process (with a live
// progress bar on stderr when it is a terminal), or deployed, by Lambda Invoke. The answer is JSON on stdout;
// a summary table goes to stderr.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { DrainProgress } from '../functions/dlq-drainer/drain.js';
import { onDrainProgress } from '../functions/dlq-drainer/progress.js';
import { invokeFunction, isFailure } from '../local/invoke.js';
import { localStack } from './local-stack.js';
import { printJson, withStdoutOnStderr } from './output.js';
import { cliActor } from './rollback.js';

export const usage = `usage: runbook dlq peek|drain --queue NAME|URL [--reason TEXT] [--rate N] [--max N] [--max-age S]
                    [--concurrency N] [--target-function NAME [--qualifier live] | --target-queue URL | --target-source]
                    [--error-code CODE] [--attribute NAME=VALUE] [--dry-run] [--yes]
                    [--emulator] [--via local|lambda --dlq-function NAME]

  peek                 receive up to --max (default 100), report counts by kind, error code and age with a few
                       sample bodies, and release every message at once: nothing is sent or deleted
  drain                redrive at most --rate messages per second (default 10), never one older than --max-age
                       seconds (default 3600) or sent while the kill switch throttled its function
  --reason             why (required for drain; recorded in the audit ledger)
  --dry-run            drain without sending or deleting anything (no confirmation asked)
  --yes                do not ask for confirmation (required when stdin is not a terminal)
  --emulator           start moto, provision the stack from template.yaml, run there, stop it
  --via lambda         invoke the deployed DlqDrainerFunction (--dlq-function: its name or ARN)
Exit status: 0 done (see "failed" in the answer), 2 refused (ok:false), 1 could not run.`;

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

const number = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  // Sent as given: the function validates and names the field; a non-number still reaches it as NaN-free text.
  const parsed = Number(value);
  if (value.trim() === '' || Number.isNaN(parsed))
    throw new Error(`${flag} must be a number, got "${value}"`);
  return parsed;
};

/** `[#######-------]  120/300  redriven 100  failed 2  stale 18`, redrawn in place. */
export function progressLine(progress: DrainProgress, width = 30): string {
  const total = Math.max(1, Math.min(progress.limit, Math.max(progress.atStart, progress.received)));
  const done = Math.min(width, Math.round((progress.received / total) * width));
  return `[${'#'.repeat(done)}${'-'.repeat(width - done)}] ${progress.received}/${total}  redriven ${progress.redriven}  failed ${progress.failed}  stale ${progress.stale}  filtered ${progress.filtered}`;
}

/** The answer as a two-column table for a person (stderr); stdout keeps the JSON. */
export function summaryTable(result: Record<string, unknown>): string {
  const skipped = (result.skipped ?? {}) as { stale?: number; filtered?: number };
  const rows: [string, unknown][] = [
    ['queue', result.queue],
    ['mode', `${result.mode}${result.dryRun ? ' (dry run)' : ''}`],
    ['received', result.received],
    ['redriven', result.redriven],
    ['failed (left in DLQ)', result.failed],
    ['stale (never replayed)', skipped.stale],
    ['filtered out', skipped.filtered],
    ['quarantined', result.quarantined],
    ['not attempted (deadline)', result.notAttempted],
    ['remaining in DLQ (approx.)', result.remainingApprox],
    ['stopped by', result.stoppedBy],
    ['audit id', result.auditId],
  ];
  for (const [code, count] of Object.entries((result.byErrorCode ?? {}) as Record<string, number>)) {
    rows.push([`error code ${code}`, count]);
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${String(value ?? '-')}`).join('\n');
}

export async function dlqCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      queue: { type: 'string' },
      reason: { type: 'string' },
      rate: { type: 'string' },
      max: { type: 'string' },
      'max-age': { type: 'string' },
      concurrency: { type: 'string' },
      'target-function': { type: 'string' },
      qualifier: { type: 'string' },
      'target-queue': { type: 'string' },
      'target-source': { type: 'boolean', default: false },
      'error-code': { type: 'string' },
      attribute: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      yes: { type: 'boolean', short: 'y', default: false },
      emulator: { type: 'boolean', default: false },
      via: { type: 'string', default: 'local' },
      'dlq-function': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const mode = positionals[0];
  if ((mode !== 'peek' && mode !== 'drain') || positionals.length > 1) {
    process.stderr.write(`runbook: dlq needs one of peek or drain\n${usage}\n`);
    return 1;
  }
  if (values.via !== 'local' && values.via !== 'lambda') {
    process.stderr.write(`runbook: --via must be local or lambda\n${usage}\n`);
    return 1;
  }
  if (values.via === 'lambda' && !values['dlq-function']) {
    process.stderr.write('runbook: --via lambda needs --dlq-function NAME\n');
    return 1;
  }
  const targets = [values['target-function'], values['target-queue'], values['target-source'] || undefined];
  if (targets.filter((item) => item !== undefined).length > 1) {
    process.stderr.write('runbook: give one of --target-function, --target-queue, --target-source\n');
    return 1;
  }
  let attribute: { name: string; value: string } | undefined;
  if (values.attribute !== undefined) {
    const at = values.attribute.indexOf('=');
    if (at <= 0) {
      process.stderr.write('runbook: --attribute must be NAME=VALUE\n');
      return 1;
    }
    attribute = { name: values.attribute.slice(0, at), value: values.attribute.slice(at + 1) };
  }
  const target = values['target-function']
    ? {
        type: 'lambda',
        functionName: values['target-function'],
        ...(values.qualifier ? { qualifier: values.qualifier } : {}),
      }
    : values['target-queue']
      ? { type: 'sqs', queueUrl: values['target-queue'] }
      : values['target-source']
        ? { type: 'source' }
        : undefined;
  const filter =
    values['error-code'] !== undefined || attribute
      ? {
          ...(values['error-code'] !== undefined ? { errorCode: values['error-code'] } : {}),
          ...(attribute ? { attribute } : {}),
        }
      : undefined;
  const optional = (key: string, value: unknown) => (value === undefined ? {} : { [key]: value });
  // The function validates everything (and names the field); the CLI only sends what was given.
  const request = {
    actor: cliActor(),
    mode,
    ...optional('queue', values.queue),
    // A peek changes nothing, so it needs no reason from a person; its audit record still says what it was.
    reason: values.reason ?? (mode === 'peek' ? 'peek from the runbook CLI' : undefined),
    ...optional('ratePerSecond', number('--rate', values.rate)),
    ...optional('maxMessages', number('--max', values.max)),
    ...optional('maxAgeSeconds', number('--max-age', values['max-age'])),
    ...optional('concurrency', number('--concurrency', values.concurrency)),
    ...optional('target', target),
    ...optional('filter', filter),
    ...(values['dry-run'] ? { dryRun: true } : {}),
  };

  if (mode === 'drain' && !values['dry-run'] && !values.yes) {
    if (!process.stdin.isTTY) {
      process.stderr.write('runbook: stdin is not a terminal: pass --yes to drain without confirmation\n');
      return 1;
    }
    const what = `up to ${values.max ?? 'the configured maximum of'} messages from ${values.queue ?? '?'}`;
    const pace = `at ${values.rate ?? 'the configured'} per second`;
    if (!(await confirm(`Redrive ${what} ${pace}? Redriven events run again.`))) {
      process.stderr.write('runbook: not confirmed; nothing changed\n');
      return 1;
    }
  }

  const finish = (result: unknown, exitCode: number) => {
    printJson(result);
    const body = result as Record<string, unknown> | null;
    if (body && body.ok === true) process.stderr.write(`\n${summaryTable(body)}\n`);
    return exitCode;
  };

  if (values.via === 'lambda') {
    const lambda = new LambdaClient({});
    try {
      process.stderr.write(`runbook: ${mode} running in ${values['dlq-function']}…\n`);
      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: values['dlq-function'],
          Payload: Buffer.from(JSON.stringify(request)),
        }),
      );
      const text = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
      const result: unknown = text ? JSON.parse(text) : null;
      if (answer.FunctionError) return finish(result, 1);
      return finish(result, isFailure(result) ? 2 : 0);
    } finally {
      lambda.destroy();
    }
  }

  const live = Boolean(process.stderr.isTTY);
  let drawn = false;
  const clear = onDrainProgress(
    live
      ? (progress) => {
          process.stderr.write(`\r\x1b[2K${progressLine(progress)}`);
          drawn = true;
        }
      : undefined,
  );
  const { state, stop } = await localStack(values.emulator);
  try {
    const outcome = await withStdoutOnStderr(() =>
      invokeFunction({ logicalId: 'DlqDrainerFunction', event: request, ...(state ? { state } : {}) }),
    );
    if (drawn) process.stderr.write('\n');
    return finish(outcome.result, outcome.exitCode);
  } finally {
    clear();
    await stop();
  }
}
