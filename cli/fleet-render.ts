// What a person reads of a fleet answer on a terminal: one row per workload (what happened, or what it serves
// and whether it can be rolled back), the counts, every failure with its reason, and the undo. Pure functions
// of the FleetFunction's JSON answer (functions/fleet/types.ts FleetResult, status.ts WorkloadStatus).
import { heldSummary, LIST_LIMIT, refusal, table } from './render.js';

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => (typeof value === 'object' && value !== null ? (value as Obj) : {});
const rows = (value: unknown): Obj[] => (Array.isArray(value) ? value.map(obj) : []);
const text = (value: unknown) => (value === undefined || value === null ? '-' : String(value));

/** `3 succeeded, 1 failed`: the non-zero counts, in the answer's order. */
export function countsLine(counts: unknown): string {
  const parts = Object.entries(obj(counts))
    .filter(([, n]) => typeof n === 'number' && n > 0)
    .map(([outcome, n]) => `${String(n)} ${outcome}`);
  return parts.length ? parts.join(', ') : 'nothing to do';
}

/** Rows up to LIST_LIMIT (every one with --verbose), and a line saying how many were left out. */
function limited(lines: Obj[], verbose: boolean, render: (shown: Obj[]) => string): string[] {
  if (lines.length === 0) return [];
  const shown = verbose ? lines : lines.slice(0, LIST_LIMIT);
  const more = lines.length - shown.length;
  return [
    render(shown),
    ...(more > 0 ? [`  (${more} more: --verbose lists them, --json gives everything)`] : []),
  ];
}

const resultTable = (lines: Obj[]) =>
  table(
    ['WORKLOAD', 'ACCOUNT', 'OUTCOME', 'SUMMARY'],
    lines.map((line) => [line.workload, line.account, line.outcome, line.summary]),
  );

function failures(lines: Obj[]): string[] {
  return lines
    .filter((line) => line.outcome === 'failed' || line.outcome === 'skipped')
    .map((line) => {
      const error = obj(line.error);
      const why = line.error ? `${text(error.code)}: ${text(error.message)}` : text(line.summary);
      return `${String(line.outcome)}: ${text(line.workload)} (${text(line.account)}): ${why}`;
    });
}

/** The undo of the whole run, and how to undo part of it. */
function undoLines(value: Obj, lines: Obj[]): string[] {
  if (typeof value.undo !== 'string') return [];
  const changed = lines.filter((line) => line.restore !== undefined || line.undo !== undefined);
  const example = changed[0]?.workload;
  return [
    `undo:  ${value.undo}`,
    ...(changed.length > 1 && example !== undefined
      ? [`       (part of it: add --workload NAME, e.g. --workload ${String(example)})`]
      : []),
  ];
}

const ACTIONS: Record<string, string> = {
  rollback: 'rollback',
  disable: 'kill switch',
  enable: 'kill switch restore',
  drain: 'drain',
  undo: 'undo',
};

/** A fleet action's answer: headline with counts, a row per workload, failures, the undo. */
export function fleetSummary(answer: unknown, verbose = false): string {
  const value = obj(answer);
  const refused = refusal(value);
  if (refused) return refused;
  // A disable or a drain held for approval as one request (functions/fleet/governed.ts).
  if (value.held === true) return heldSummary(value);
  const lines = rows(value.workloads);
  const name = `fleet ${ACTIONS[String(value.action)] ?? text(value.action)}`;
  const selected = `${text(value.selected)} workload(s)`;
  const headline = value.dryRun
    ? `Dry run: ${name} of ${selected}: ${countsLine(value.counts)}. Nothing changed.`
    : `${name[0]?.toUpperCase()}${name.slice(1)} of ${selected}: ${countsLine(value.counts)}.`;
  return [
    headline,
    ...limited(lines, verbose, resultTable),
    ...(typeof value.omitted === 'number' && value.omitted > 0
      ? [
          `${value.omitted} more not listed here: runbook fleet status --audit-id ${text(value.auditId)} reads every one`,
        ]
      : []),
    ...failures(lines),
    ...(value.unrecorded ? [`warning: ${String(value.unrecorded)}`] : []),
    ...undoLines(value, lines),
    ...(value.auditId ? [`audit: ${String(value.auditId)}`] : []),
  ].join('\n');
}

/**
 * The plan a person confirms (from the dry run): every workload, its account and what would change — the
 * first LIST_LIMIT of a large fleet (failures first, as the answer sorts them), every one with --verbose.
 */
export function fleetPlan(plan: unknown, verbose = false): string {
  const value = obj(plan);
  const lines = rows(value.workloads);
  const planTable = (shown: Obj[]) =>
    table(
      ['WORKLOAD', 'ACCOUNT', 'PLAN'],
      shown.map((line) => [
        line.workload,
        line.account,
        line.error
          ? `${text(line.outcome)}: ${text(obj(line.error).message)}`
          : String(line.summary ?? '').replace(/^would /, ''),
      ]),
    );
  return [
    `Plan (dry run) for ${text(value.selected)} workload(s): ${countsLine(value.counts)}`,
    ...limited(lines, verbose, planTable),
    ...(typeof value.omitted === 'number' && value.omitted > 0
      ? [`  (and ${value.omitted} more, not listed)`]
      : []),
  ].join('\n');
}

/** `4`, or `4 (+5 10%)` while a canary weight sends part of the traffic to version 5. */
export function servingCell(serving: unknown): string {
  const value = obj(serving);
  if (value.version === undefined) return '-';
  const weights = Object.entries(obj(value.weights)).map(
    ([version, weight]) => `+${version} ${Math.round(Number(weight) * 1000) / 10}%`,
  );
  return `${String(value.version)}${weights.length ? ` (${weights.join(', ')})` : ''}`;
}

/** `yes`, `no (event-sources-on-alias)`, or `-` when the answer has no readiness. */
export function readinessCell(readiness: unknown): string {
  const value = obj(readiness);
  if (typeof value.ready !== 'boolean') return '-';
  if (value.ready) return 'yes';
  const failing = rows(value.checks).find((check) => check.ok === false);
  return failing ? `no (${text(failing.check)})` : 'no';
}

/** `5 on, 1 off`; `2000+ on, 0+ off` when a group had more schedules than were read (the note says which). */
function schedulesCell(schedules: unknown): string {
  const value = obj(schedules);
  if (value.enabled === undefined) return '-';
  const more = value.incomplete === undefined ? '' : '+';
  return `${text(value.enabled)}${more} on, ${text(value.disabled)}${more} off`;
}

function dlqCell(deadLetters: unknown): string {
  const queues = rows(deadLetters);
  if (queues.length === 0) return '-';
  if (queues.some((queue) => typeof queue.depth !== 'number')) return '?';
  return String(queues.reduce((sum, queue) => sum + Number(queue.depth), 0));
}

/** The alarms in ALARM: up to three by name; more as their count and the first two (all with --verbose). */
function alarmsCell(alarms: unknown, verbose: boolean): string {
  if (!Array.isArray(alarms)) return '-';
  if (alarms.length === 0) return '0';
  const names = alarms.map(String);
  if (verbose || names.length <= 3) return names.join(', ');
  return `${names.length} (${names.slice(0, 2).join(', ')}, …)`;
}

const statusTable = (lines: Obj[], verbose: boolean) =>
  table(
    ['WORKLOAD', 'ACCOUNT', 'SERVING', 'KNOWN-GOOD', 'READY', 'SCHEDULES', 'DLQ', 'IN ALARM'],
    lines.map((line) => [
      line.workload,
      line.account,
      servingCell(line.serving),
      obj(line.readiness).knownGood ?? obj(line.rollback).knownGood,
      readinessCell(line.readiness),
      schedulesCell(line.schedules),
      dlqCell(line.deadLetters),
      alarmsCell(line.alarmsInAlarm, verbose),
    ]),
  );

/** Under the table: why a workload cannot be rolled back now, and the parts that could not be read. */
function statusNotes(lines: Obj[]): string[] {
  const notes: string[] = [];
  for (const line of lines) {
    const name = text(line.workload);
    const failing = rows(obj(line.readiness).checks).find((check) => check.ok === false);
    if (failing) notes.push(`not ready: ${name}: ${text(failing.check)}: ${text(failing.detail)}`);
    else if (line.readiness === undefined && line.rollback && obj(line.rollback).knownGood === undefined)
      notes.push(`no known-good version: ${name}: ${text(obj(line.rollback).why)}`);
    if (line.alarmsInAlarmIncomplete !== undefined)
      notes.push(`alarms listed in part: ${name}: ${text(line.alarmsInAlarmIncomplete)}`);
    const incomplete = obj(obj(line.schedules).incomplete);
    if (Array.isArray(incomplete.groups))
      notes.push(
        `schedules counted in part: ${name}: ${incomplete.groups.map(String).join(', ')}: ${text(incomplete.why)}`,
      );
    for (const [part, reason] of Object.entries(obj(line.errors)))
      notes.push(`could not read ${part}: ${name}: ${text(reason)}`);
  }
  return notes;
}

/** `runbook fleet status`: the fleet now, or (with --audit-id) one fleet run read back from the ledger. */
export function fleetStatusSummary(answer: unknown, verbose = false): string {
  const value = obj(answer);
  const refused = refusal(value);
  if (refused) return refused;
  const lines = rows(value.workloads);
  if (value.auditId !== undefined) {
    // A fleet run read back: what it was, who asked and why, and every workload's line.
    return [
      `Fleet run ${text(value.auditId)}: ${text(value.action)} by ${text(value.actor)} at ${text(value.at)} (${text(value.outcome)})`,
      `reason: ${text(value.reason)}`,
      `counts: ${countsLine(value.counts)}`,
      ...limited(lines, verbose, resultTable),
      ...(typeof value.omitted === 'number' && value.omitted > 0
        ? [`  (${value.omitted} more in the record: --json gives the first page only)`]
        : []),
      ...failures(lines),
      ...(typeof value.undo === 'string' ? [`undo:  ${value.undo}`] : []),
    ].join('\n');
  }
  const omitted = typeof value.omitted === 'number' && value.omitted > 0 ? value.omitted : 0;
  return [
    `Fleet status: ${text(value.selected)} workload(s)${omitted ? ` (${omitted} not read: narrow the selector)` : ''}`,
    ...limited(lines, verbose, (shown) => statusTable(shown, verbose)),
    ...statusNotes(lines),
  ].join('\n');
}
