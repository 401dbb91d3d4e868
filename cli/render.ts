// What a person reads on a terminal: what changed, before → after, the undo; tables for lists; counts for
// large sets (the items behind --verbose, everything behind --json). Pure functions of the JSON answer.

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => (typeof value === 'object' && value !== null ? (value as Obj) : {});
const text = (value: unknown) => (value === undefined || value === null ? '-' : String(value));

/** Rows under a header, columns padded to their widest cell. */
export function table(header: string[], rows: unknown[][]): string {
  const cells = [header, ...rows.map((row) => row.map(text))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
    )
    .map((line) => `  ${line.trimEnd()}`)
    .join('\n');
}

/** `label  value` lines, labels aligned. */
export function pairs(rows: [string, unknown][]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${text(value)}`).join('\n');
}

/** Up to `limit` items as a table, else their count: a person reads 20 lines, not 301. */
export const LIST_LIMIT = 20;

/** `{ ok: false, error }` (or an HTTP answer) in one sentence. */
export function refusal(answer: unknown): string | undefined {
  const value = obj(answer);
  if (value.ok !== false) return undefined;
  const error = obj(value.error);
  const field = error.field ? ` (field ${String(error.field)})` : '';
  return `refused: ${text(error.code)}: ${text(error.message)}${field}`;
}

function footer(answer: Obj): string[] {
  return [
    ...(answer.undo ? [`undo:  ${String(answer.undo)}`] : []),
    ...(answer.auditId ? [`audit: ${String(answer.auditId)}`] : []),
  ];
}

export function rollbackSummary(answer: unknown): string {
  const value = obj(answer);
  const refused = refusal(value);
  if (refused) return refused;
  const target = `${text(value.functionName)}:${text(value.alias)}`;
  const move = `version ${text(value.fromVersion)} → ${text(value.toVersion)}`;
  const headline = value.dryRun
    ? `Dry run: would move ${target} ${move}. Nothing changed.`
    : value.changed
      ? `Rolled back ${target}: ${move}.`
      : `${target} unchanged (on version ${text(value.fromVersion)}).`;
  const weights = Object.keys(obj(value.clearedWeights)).length
    ? [`canary weights cleared: ${JSON.stringify(value.clearedWeights)}`]
    : [];
  return [
    headline,
    `chosen by ${text(value.chosenBy)}: ${text(value.why)}`,
    ...(value.stoppedDeploymentId ? [`deployment ${String(value.stoppedDeploymentId)} stopped`] : []),
    ...weights,
    ...(value.heldByCooldown ? [`held by the cool-down until ${text(obj(value.heldByCooldown).until)}`] : []),
    ...(value.note && !value.dryRun ? [`note: ${String(value.note)}`] : []),
    ...footer(value),
  ].join('\n');
}

/** `1801 would-disable, 300 already-disabled` from a counts map, `selected` left out (it is the total). */
const countsLine = (counts: Obj) =>
  Object.entries(counts)
    .filter(([key]) => key !== 'selected')
    .map(([key, count]) => `${text(count)} ${key}`)
    .join(', ');

export function killSwitchSummary(answer: unknown, verbose = false): string {
  const value = obj(answer);
  const refused = refusal(value);
  if (refused) return refused;
  const counts = obj(value.counts);
  const schedules = Array.isArray(value.schedules) ? (value.schedules as Obj[]) : [];
  const verb = value.action === 'enable' ? 'Enable' : 'Disable';
  const done = countsLine(counts);
  const groups = [...new Set(schedules.map((item) => item.group))].join(', ');
  // A large run answers at most 100 schedules and points at the full list (fullList): count from that.
  const fullList = obj(value.fullList);
  const total = typeof fullList.total === 'number' ? fullList.total : schedules.length;
  const lines = [
    `${value.dryRun ? `Dry run: ${verb.toLowerCase()}` : verb} — ${total} schedule(s)${groups ? ` of ${groups}` : ''}: ${done || 'nothing to do'}.${value.dryRun ? ' Nothing changed.' : ''}`,
  ];
  if (schedules.length > 0 && (schedules.length <= LIST_LIMIT || verbose))
    lines.push(
      table(
        ['GROUP', 'SCHEDULE', 'OUTCOME'],
        schedules.map((item) => [
          item.group,
          item.name,
          item.error ? `${text(item.outcome)}: ${String(item.error)}` : item.outcome,
        ]),
      ),
    );
  else if (schedules.length > 0)
    lines.push(`  (${schedules.length} schedules: --verbose lists them, --json gives everything)`);
  const throttle = obj(value.throttle);
  if (throttle.functionName)
    lines.push(
      `function ${String(throttle.functionName)}: ${text(throttle.outcome)} (reserved concurrency before: ${throttle.recorded === null ? 'none' : text(throttle.recorded)})`,
    );
  for (const warning of Array.isArray(value.warnings) ? value.warnings : [])
    lines.push(`warning: ${String(warning)}`);
  if (value.restoreId) lines.push(`restore id: ${String(value.restoreId)}`);
  if (fullList.command && total > schedules.length)
    lines.push(`${schedules.length} of ${total} shown; every outcome: ${String(fullList.command)}`);
  return [...lines, ...footer(value)].join('\n');
}

/** Up to LIST_LIMIT rows as a table (all with --verbose), else how to see them. */
function listed(rows: Obj[], header: string[], cells: (row: Obj) => unknown[], verbose: boolean): string[] {
  if (rows.length === 0) return [];
  if (rows.length <= LIST_LIMIT || verbose) return [table(header, rows.map(cells))];
  return [`  (${rows.length} schedules: --verbose lists them, --json gives everything)`];
}

/** What an open kill switch stopped: its schedules named, or its group and prefix. */
function selectorText(selector: Obj): string {
  const named = Array.isArray(selector.schedules) ? selector.schedules.map(String) : [];
  const parts = [
    ...(selector.group ? [`group ${String(selector.group)}`] : []),
    ...(selector.namePrefix ? [`names ${String(selector.namePrefix)}*`] : []),
    ...(selector.all ? ['all'] : []),
    ...(named.length > 0 ? [named.length <= 3 ? named.join(', ') : `${named.length} schedules`] : []),
  ];
  return parts.join(' ') || '-';
}

function openKillSwitchLines(open: unknown): string[] {
  const rows = Array.isArray(open) ? open.map(obj) : [];
  if (rows.length === 0) return ['No open kill switch.'];
  return [
    `Open kill switches (${rows.length}): each restores with runbook schedules enable --restore-id ID --reason "…"`,
    table(
      ['RESTORE-ID', 'SINCE', 'BY', 'WHAT', 'FUNCTION', 'REASON'],
      rows.map((row) => [
        row.restoreId,
        row.at,
        row.actor,
        selectorText(obj(row.selector)),
        row.functionName,
        row.reason,
      ]),
    ),
  ];
}

/**
 * `runbook schedules status`: the open kill switches; with a selector, the selected schedules' states; with
 * --audit-id, one run read back a page at a time. Counts first, the rows behind --verbose when many.
 */
export function killSwitchStatus(answer: unknown, verbose = false): string {
  const value = obj(answer);
  const refused = refusal(value);
  if (refused) return refused;
  const schedules = Array.isArray(value.schedules) ? value.schedules.map(obj) : [];
  if (value.auditId !== undefined) {
    const flags = [text(value.outcome), ...(value.dryRun ? ['dry run'] : [])].join(', ');
    const counts = obj(value.counts);
    const pageNumber = Number(value.page);
    return [
      `Run ${text(value.auditId)}: ${text(value.action)} by ${text(value.actor)} at ${text(value.at)} (${flags})`,
      `counts: ${countsLine(counts) || 'none'} (${text(counts.selected)} selected)`,
      ...(value.restoreId ? [`restore id: ${String(value.restoreId)}`] : []),
      `page ${text(value.page)} of ${text(value.pages)}: ${schedules.length} outcome(s)`,
      ...listed(
        schedules,
        ['GROUP', 'SCHEDULE', 'OUTCOME'],
        (row) => [
          row.group,
          row.name,
          row.error ? `${text(row.outcome)}: ${String(row.error)}` : row.outcome,
        ],
        verbose,
      ),
      ...(value.next !== undefined
        ? [`next page: runbook schedules status --audit-id ${text(value.auditId)} --page ${pageNumber + 1}`]
        : []),
    ].join('\n');
  }
  const lines: string[] = [];
  if (value.counts !== undefined) {
    const counts = obj(value.counts);
    lines.push(`${text(counts.selected)} schedule(s) selected: ${countsLine(counts) || 'none'}`);
    lines.push(
      ...listed(
        schedules,
        ['GROUP', 'SCHEDULE', 'STATE'],
        (row) => [row.group, row.name, row.state],
        verbose,
      ),
    );
  }
  lines.push(...openKillSwitchLines(value.openKillSwitches));
  return lines.join('\n');
}

export function healthSummary(answer: unknown): string {
  const value = obj(answer);
  // Through the API the body is a string inside a proxy answer; in-process it may be either.
  const body = typeof value.body === 'string' ? obj(safeJson(value.body)) : value;
  const refused = refusal(body);
  if (refused) return refused;
  const target = obj(body.target);
  const alarms = obj(obj(body.alarms).counts);
  const schedules = Array.isArray(obj(body.schedules).items) ? (obj(body.schedules).items as Obj[]) : [];
  const rows: [string, unknown][] = [['status', body.status]];
  if (body.gitSha !== undefined) rows.push(['runbook build', `${text(body.gitSha)} (${text(body.buildId)})`]);
  if (target.alias !== undefined)
    rows.push([
      'workload',
      `${text(target.alias)} → version ${text(target.version)}${Object.keys(obj(target.routing)).length ? ` weights ${JSON.stringify(target.routing)}` : ''}`,
    ]);
  if (schedules.length)
    rows.push(['schedules', schedules.map((item) => `${text(item.name)} ${text(item.state)}`).join(', ')]);
  if (Object.keys(alarms).length)
    rows.push([
      'alarms',
      Object.entries(alarms)
        .map(([state, n]) => `${text(n)} ${state}`)
        .join(', '),
    ]);
  return pairs(rows);
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return {};
  }
}

export function secretStatusSummary(answer: unknown): string {
  const value = obj(answer);
  const refused = refusal(value);
  if (refused) return refused;
  const rotation = obj(value.rotation);
  const versions = Array.isArray(value.versions) ? (value.versions as Obj[]) : [];
  return [
    `${text(value.name)}: rotation ${rotation.state === 'idle' ? 'idle' : `${text(rotation.state)} (pending ${text(rotation.pendingVersionId)})`}, ${value.rotationEnabled ? 'automatic' : 'not automatic'}`,
    pairs([
      ['last rotated', value.lastRotatedDate],
      ['next rotation', value.nextRotationDate],
    ]),
    table(
      ['VERSION', 'STAGES', 'CREATED'],
      versions.map((item) => [item.versionId, (item.stages as string[]).join(','), item.createdDate]),
    ),
    ...(Array.isArray(rotation.fix) ? rotation.fix.map((line) => `fix: ${String(line)}`) : []),
  ].join('\n');
}

export function secretRotateSummary(answer: unknown): string {
  const value = obj(answer);
  const refused = refusal(value);
  const steps = Array.isArray(value.steps) ? (value.steps as Obj[]) : [];
  const status = obj(value.status);
  if (refused && steps.length === 0) return refused;
  if (value.dryRun === true) {
    const after = obj(value.stagesAfter);
    return [
      `Dry run: would ${value.wouldDo === 'resume' ? `finish the rotation of ${text(value.secret)} on version ${text(value.version)}` : `rotate ${text(value.secret)} to a new version`}. Nothing changed.`,
      `steps: ${(Array.isArray(value.steps) ? value.steps : []).map(String).join(' → ')}, by ${text(value.rotationFunction)}`,
      `then: AWSCURRENT ${text(after.AWSCURRENT)}, AWSPREVIOUS ${text(after.AWSPREVIOUS)} (its key still valid until revoked)`,
      ...(value.revokesPrevious
        ? [`--emergency: the key of ${String(value.revokesPrevious)} would be revoked at once`]
        : []),
      ...(value.warning ? [`warning: ${String(value.warning)}`] : []),
    ].join('\n');
  }
  return [
    value.ok
      ? `Rotated ${text(value.secret)}: AWSCURRENT is now ${text(status.current)}.`
      : `Rotation of ${text(value.secret ?? value.name)} did not finish.`,
    ...(steps.length
      ? [
          table(
            ['STEP', 'RESULT'],
            steps.map((step) => [step.step, step.error ?? step.message ?? 'done']),
          ),
        ]
      : []),
    ...(status.previous ? [`previous (still valid until revoked): ${String(status.previous)}`] : []),
    ...(value.note ? [`note: ${String(value.note)}`] : []),
    ...footer(value),
  ].join('\n');
}

/**
 * A revocation of the key on AWSPREVIOUS (`runbook secret revoke-previous`, or carried out once approved): what
 * happened to which key, and that it has no undo — a revoked key stays revoked; a new key comes from a rotation.
 */
export function revokedSummary(answer: unknown): string {
  const value = obj(answer);
  const refused = refusal(value);
  if (refused) return refused;
  return [
    value.name === undefined ? text(value.note) : `${text(value.name)}: ${text(value.note)}`,
    ...(value.changed
      ? ['undo:  none: a revoked key cannot be restored (a new key comes from `runbook secret rotate`)']
      : []),
    ...footer(value),
  ].join('\n');
}

export function deploySummary(answer: unknown): string {
  const value = obj(answer);
  const refused = refusal(value);
  if (refused) return refused;
  return pairs(
    Object.entries(value).filter(([, item]) => typeof item !== 'object' || item === null) as [
      string,
      unknown,
    ][],
  );
}

/** The generic form: a short JSON answer for a person, pretty-printed. */
export function asJson(answer: unknown): string {
  return JSON.stringify(answer, null, 2);
}

/** A request held for approval (202): nothing changed; who must approve, how, and until when. */
export function heldSummary(body: Record<string, unknown>): string {
  const needs = Array.isArray(body.needs) ? (body.needs as string[]) : [];
  // Asked again: the open request for the same plan answers; nothing new was recorded or notified.
  const first =
    body.existing === true
      ? `Already pending: nothing changed, nothing new recorded. ${String(body.action)} on ${String(body.target)} was asked for by ${String(body.requester)}; it needs ${String(body.required)} approval(s) from principals other than them, by ${String(body.expiresAt)}.`
      : `Held for approval: nothing changed. ${String(body.action)} on ${String(body.target)} needs ${String(body.required)} approval(s) from principals other than you, by ${String(body.expiresAt)}.`;
  return [
    first,
    ...needs.map((need) => `  because ${need}`),
    `  approval id  ${String(body.approvalId)}`,
    `  approve:     ${String(body.approve)}`,
    `  reject:      ${String(body.reject)}`,
  ].join('\n');
}
