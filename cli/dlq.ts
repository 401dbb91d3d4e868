// runbook dlq peek|drain --queue Q [--rate N] [--max N] [--max-age S] [--dry-run] --reason TEXT [--yes] …
// Builds the DlqDrainerFunction's request and sends it through cli/transport.ts: the real handler in-process
// (with a live progress bar on stderr when it is a terminal), Lambda Invoke, or the signed ops API
// (POST /dlq/peek, POST /dlq/drain). The answer is JSON on stdout; a summary table goes to stderr.
import { parseArgs } from 'node:util';
import type { DrainProgress } from '../functions/dlq-drainer/drain.js';
import { onDrainProgress } from '../functions/dlq-drainer/progress.js';
import { cliActor, confirm } from './prompt.js';
import {
  openChannel,
  report,
  type SendDeps,
  transportOptions,
  transportOrExplain,
  transportUsage,
} from './transport.js';

export const usage = `usage: runbook dlq peek|drain --queue NAME|URL [--reason TEXT] [--rate N] [--max N] [--max-age S]
                    [--concurrency N] [--target-function NAME [--qualifier live] | --target-queue NAME | --target-source]
                    [--error-code CODE] [--attribute NAME=VALUE] [--dry-run] [--yes]
                    [--emulator | --via lambda --runbook-function NAME | --api-url URL | --stack NAME]

  peek                 receive up to --max (default 100), report counts by kind, error code and age with a few
                       sample bodies, and release every message at once: nothing is sent or deleted
  drain                redrive at most --rate messages per second (default 10), never one older than --max-age
                       seconds (default 3600) or sent while the kill switch throttled its function
  --reason             why (required for drain; recorded in the audit ledger)
  --dry-run            drain without sending or deleting anything (no confirmation asked)
  --yes                do not ask for confirmation (required when stdin is not a terminal)
  --dlq-function NAME  the same as --runbook-function, for this command
${transportUsage}
A drain's "failed" count is in the answer: exit 0 means it ran, not that every message went back.`;

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

export async function dlqCommand(argv: string[], deps: SendDeps = {}): Promise<number> {
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
      ...transportOptions,
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
  const transport = transportOrExplain(values, usage, 'dlq-function');
  if (!transport) return 1;
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
      ? // A name is preferred; a URL must be on the drainer's own SQS endpoint (the function checks).
        values['target-queue'].includes('/')
        ? { type: 'sqs', queueUrl: values['target-queue'] }
        : { type: 'sqs', queue: values['target-queue'] }
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

  // Progress events come from the handler when it runs in-process; the other ways draw nothing.
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
  const channel = await openChannel(transport, deps);
  try {
    if (transport.via !== 'local')
      process.stderr.write(`runbook: ${mode} running in the deployed function…\n`);
    const { mode: _mode, ...apiBody } = request;
    const outcome = await channel.send({
      logicalId: 'DlqDrainerFunction',
      route: { method: 'POST', path: `/dlq/${mode}` },
      request,
      apiBody,
    });
    if (drawn) process.stderr.write('\n');
    const body = outcome.result as Record<string, unknown> | null;
    const exitCode = report(outcome);
    if (!outcome.refused && body && body.ok === true) process.stderr.write(`\n${summaryTable(body)}\n`);
    return exitCode;
  } finally {
    clear();
    await channel.close();
  }
}
