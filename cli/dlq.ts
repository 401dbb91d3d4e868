// runbook dlq peek|drain --queue Q [--rate N] [--max N] [--max-age S] [--dry-run] --reason TEXT [--yes] …
// Builds the DlqDrainerFunction's request and sends it through cli/transport.ts: the real handler in-process
// (with a live progress bar on stderr when it is a terminal), Lambda Invoke, or the signed ops API
// (POST /dlq/peek, POST /dlq/drain). The answer: a summary table on a terminal, else JSON (cli/output.ts).

import { onDrainProgress } from '../functions/dlq-drainer/progress.js';
import type { DrainProgress } from '../functions/dlq-drainer/types.js';
import { parseInput } from '../shared/validate.js';
import { numberFlag, type Opts } from './opts.js';
import { escapeUnsafe } from './output.js';
import { cliActor, confirm } from './prompt.js';
import { heldSummary, pairs, refusal, table } from './render.js';
import { openChannel, report, type SendDeps, transportOrExplain } from './transport.js';
import { type DirectCheck, refuseWithoutTerminal } from './without-terminal.js';

/** The drainer's direct door: the mode taken off first (functions/dlq-drainer/handler.ts), then the rest validated. */
export async function drainCheck(): Promise<DirectCheck> {
  const { directPayload, drainRequestSchema } = await import('../functions/dlq-drainer/schema.js');
  return (payload) => parseInput(drainRequestSchema, directPayload(payload).payload);
}

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
    ['in DLQ at start (approx.)', result.atStartApprox],
    ['received', result.received],
    ['redriven', result.redriven],
    [result.dryRun ? 'would fail (left in DLQ)' : 'failed (left in DLQ)', result.failed],
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
  return pairs(rows);
}

/**
 * What a drain would redrive, by its dry run: what it received less what it would keep back (stale, filtered)
 * and what would fail (a dry run counts those in `failed`: no source queue to send them to, say).
 */
export function wouldRedrive(plan: Record<string, unknown>): number {
  const skipped = (plan.skipped ?? {}) as { stale?: number; filtered?: number };
  if (plan.dryRun !== true) return Number(plan.redriven ?? 0);
  const held = Number(skipped.stale ?? 0) + Number(skipped.filtered ?? 0) + Number(plan.failed ?? 0);
  return Math.max(0, Number(plan.received ?? 0) - held);
}

/** The drain prompt from its dry run: queue, depth, what would go back, the rate and how long it takes. */
export function drainQuestion(plan: Record<string, unknown>, rate: number): string {
  const skipped = (plan.skipped ?? {}) as { stale?: number; filtered?: number };
  const redriven = wouldRedrive(plan);
  const seconds = Math.ceil(redriven / rate);
  const duration = seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
  const failed = plan.dryRun === true ? Number(plan.failed ?? 0) : 0;
  const failures = Array.isArray(plan.failures) ? (plan.failures as { error?: unknown }[]) : [];
  const why = typeof failures[0]?.error === 'string' ? `: ${failures[0].error}` : '';
  const held = [
    ...(skipped.stale ? [`${skipped.stale} stale kept back`] : []),
    ...(skipped.filtered ? [`${skipped.filtered} filtered out`] : []),
    ...(failed ? [`${failed} would fail and stay${why}`] : []),
  ];
  return `Redrive ${redriven} of the ${String(plan.atStartApprox ?? '?')} message(s) in ${String(plan.queue)}${
    held.length ? ` (${held.join('; ')})` : ''
  } at ${rate}/s, about ${duration}? Redriven events run again.`;
}

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

export const runDlq =
  (mode: 'peek' | 'drain') =>
  async (opts: Opts, deps: SendDeps = {}): Promise<number> => {
    const transport = transportOrExplain(opts, 'dlq-function');
    if (!transport) return 1;
    const targets = [opts.targetFunction, opts.targetQueue, opts.targetSource || undefined];
    if (targets.filter((item) => item !== undefined).length > 1) {
      process.stderr.write('runbook: give one of --target-function, --target-queue, --target-source\n');
      return 1;
    }
    let attribute: { name: string; value: string } | undefined;
    const attributeText = str(opts.attribute);
    if (attributeText !== undefined) {
      const at = attributeText.indexOf('=');
      if (at <= 0) {
        process.stderr.write('runbook: --attribute must be NAME=VALUE\n');
        return 1;
      }
      attribute = { name: attributeText.slice(0, at), value: attributeText.slice(at + 1) };
    }
    const target = str(opts.targetFunction)
      ? {
          type: 'lambda',
          functionName: opts.targetFunction,
          ...(opts.qualifier ? { qualifier: opts.qualifier } : {}),
        }
      : str(opts.targetQueue)
        ? // A name is preferred; a URL must be on the drainer's own SQS endpoint (the function checks).
          String(opts.targetQueue).includes('/')
          ? { type: 'sqs', queueUrl: opts.targetQueue }
          : { type: 'sqs', queue: opts.targetQueue }
        : opts.targetSource
          ? { type: 'source' }
          : undefined;
    const filter =
      opts.errorCode !== undefined || attribute
        ? {
            ...(opts.errorCode !== undefined ? { errorCode: opts.errorCode } : {}),
            ...(attribute ? { attribute } : {}),
          }
        : undefined;
    const optional = (key: string, value: unknown) => (value === undefined ? {} : { [key]: value });
    const dryRun = opts.dryRun === true;
    let request: Record<string, unknown>;
    try {
      // The function validates everything (and names the field); the CLI only sends what was given.
      request = {
        actor: cliActor(),
        mode,
        ...optional('queue', opts.queue),
        // A peek changes nothing, so it needs no reason from a person; its audit record still says what it was.
        reason: str(opts.reason) ?? (mode === 'peek' ? 'peek from the runbook CLI' : undefined),
        ...optional('ratePerSecond', numberFlag('--rate', str(opts.rate))),
        ...optional('maxMessages', numberFlag('--max', str(opts.max))),
        ...optional('maxAgeSeconds', numberFlag('--max-age', str(opts.maxAge))),
        ...optional('concurrency', numberFlag('--concurrency', str(opts.concurrency))),
        ...optional('target', target),
        ...optional('filter', filter),
        ...(dryRun ? { dryRun: true } : {}),
        ...(typeof opts.breakGlass === 'string' ? { breakGlass: { reason: opts.breakGlass } } : {}),
      };
    } catch (error) {
      process.stderr.write(`runbook: ${(error as Error).message}\n`);
      return 1;
    }
    const ask = mode === 'drain' && !dryRun && opts.yes !== true;
    if (ask && !process.stdin.isTTY)
      return refuseWithoutTerminal(
        'stdin is not a terminal: pass --yes to drain without confirmation',
        request,
        drainCheck,
      );

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
    try {
      const channel = await openChannel(transport, deps);
      const send = async (body: Record<string, unknown>) => {
        const { mode: _mode, ...apiBody } = body;
        const outcome = await channel.send({
          logicalId: 'DlqDrainerFunction',
          route: { method: 'POST', path: `/dlq/${mode}` },
          request: body,
          apiBody,
        });
        if (drawn) process.stderr.write('\n');
        drawn = false;
        return outcome;
      };
      try {
        if (transport.via !== 'local')
          process.stderr.write(`runbook: ${mode} running in the deployed function…\n`);
        if (ask) {
          // A person confirms numbers: the dry run reads the queue's depth and what would go back.
          const plan = await send({ ...request, dryRun: true });
          if (plan.exitCode !== 0 || plan.refused) return report(plan, dlqSummary);
          if (wouldRedrive(plan.result as Record<string, unknown>) === 0) {
            // Nothing to ask about: the plan says why every message would stay (and how to name a target).
            report(plan, dlqSummary);
            process.stderr.write(
              'runbook: no message would be redriven (the plan above says why); nothing changed\n',
            );
            return 1;
          }
          const rate = Number(request.ratePerSecond ?? 10);
          if (!(await confirm(drainQuestion(plan.result as Record<string, unknown>, rate)))) {
            process.stderr.write('runbook: not confirmed; nothing changed\n');
            return 1;
          }
        }
        return report(await send(request), dlqSummary);
      } finally {
        await channel.close();
      }
    } finally {
      clear();
    }
  };

/**
 * A message's text as one inert line: control characters (a terminal's escape sequences), line breaks and
 * format characters (bidirectional overrides among them) shown as \\uXXXX, so a body cannot move the cursor,
 * recolour or reorder what follows.
 */
export function inert(text: string, max = 80): string {
  return escapeUnsafe(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** Why messages stay in the DLQ: each reason once, with how many it kept, most first. */
function failureLines(body: Record<string, unknown>): string[] {
  const failures = Array.isArray(body.failures) ? (body.failures as { error?: unknown }[]) : [];
  if (failures.length === 0) return [];
  const byReason = new Map<string, number>();
  for (const failure of failures) {
    const reason = inert(String(failure.error ?? 'unknown'), 200);
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  const reasons = [...byReason].sort((a, b) => b[1] - a[1]);
  const omitted = Number((body.omitted as Record<string, unknown> | undefined)?.failures ?? 0);
  return [
    `${body.dryRun ? 'would stay' : 'left'} in the DLQ, by reason${omitted ? ` (of the first ${failures.length}; ${omitted} more: --json)` : ''}:`,
    ...reasons.slice(0, 5).map(([reason, count]) => `  ${count} × ${reason}`),
    ...(reasons.length > 5 ? [`  … ${reasons.length - 5} other reason(s): --json lists them`] : []),
    // The drainer names its request field; on the command line the same choice is a flag.
    ...(reasons.some(([reason]) => reason.includes('no source queue names this DLQ'))
      ? ['  (on the command line: --target-queue NAME or --target-function NAME says where they go)']
      : []),
  ];
}

/** The first bytes of a few bodies, secrets already masked by the drainer, each on one inert line. */
function sampleLines(body: Record<string, unknown>): string[] {
  const samples = Array.isArray(body.samples)
    ? (body.samples as { key?: unknown; errorCode?: unknown; body?: unknown; redacted?: unknown }[])
    : [];
  if (samples.length === 0) return [];
  return [
    'samples (first bytes, secrets masked):',
    table(
      ['KEY', 'ERROR', 'BODY'],
      samples.map((sample) => [
        inert(String(sample.key ?? '-'), 40),
        inert(String(sample.errorCode ?? '-'), 20),
        `${inert(String(sample.body ?? ''))}${sample.redacted ? ' (masked)' : ''}`,
      ]),
    ),
  ];
}

/** The answer for a person: the summary table, why messages stay, a peek's or dry run's samples; or the refusal. */
export function dlqSummary(answer: unknown): string {
  const body = (answer ?? {}) as Record<string, unknown>;
  if (body.held === true) return heldSummary(body);
  const refused = refusal(body);
  if (refused) return refused;
  // The drainer's record says the same: a redriven message was delivered again, not moved.
  const redriven = body.mode === 'drain' && body.dryRun !== true && Number(body.redriven) > 0;
  return [
    summaryTable(body),
    ...failureLines(body),
    ...(body.mode === 'peek' || body.dryRun === true ? sampleLines(body) : []),
    ...(redriven ? ['undo:  none: a redriven message ran again; it cannot be taken back'] : []),
  ].join('\n');
}
