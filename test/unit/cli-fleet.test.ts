// `runbook fleet`: the request it builds from the selectors, what it refuses before anything is sent, how it
// reaches the ops API, and what a person reads on a terminal. No emulator: nothing here runs the function.
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FleetArgumentError,
  fleetAction,
  fleetQuestion,
  fleetRequest,
  fleetStatusQuery,
  parseTags,
  withoutTerminal,
} from '../../cli/fleet.js';
import {
  countsLine,
  fleetPlan,
  fleetStatusSummary,
  fleetSummary,
  readinessCell,
  servingCell,
} from '../../cli/fleet-render.js';
import { setOutputMode } from '../../cli/output.js';
import { runCli } from '../../cli/program.js';

// The answer goes to the stdout cli/output.ts saved when it was loaded: capture it from before any import.
const answers = await vi.hoisted(async () => (await import('../support/stdout.js')).captureStdout());

const AUDIT_ID = '20261122T154501123Z-3fa9c2d1';
const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

describe('runbook fleet: the request it builds', () => {
  it('sends every selector as the FleetRequest names it, and only what was given', () => {
    // Act
    const request = fleetRequest(
      'rollback',
      {
        workload: ['orders', 'refunds'],
        tag: ['team=payments', 'tier=1'],
        deployedSince: '30m',
        account: ['self', '222222222222'],
        reason: 'bad shared layer',
        dryRun: true,
        force: true,
      },
      'cli:alice@laptop',
    );

    // Assess
    expect(request).toEqual({
      actor: 'cli:alice@laptop',
      action: 'rollback',
      workloads: ['orders', 'refunds'],
      tags: { team: 'payments', tier: '1' },
      deployedSince: '30m',
      accounts: ['self', '222222222222'],
      reason: 'bad shared layer',
      dryRun: true,
      force: true,
    });
  });

  it('sends --break-glass as the request’s breakGlass reason (disable and drain take it)', () => {
    // Act
    const glass = fleetRequest(
      'drain',
      { all: true, reason: 'r', breakGlass: 'approvers asleep' },
      'cli:a@b',
    );

    // Assess
    expect(glass).toEqual({
      actor: 'cli:a@b',
      action: 'drain',
      all: true,
      reason: 'r',
      breakGlass: { reason: 'approvers asleep' },
    });
  });

  it('sends --all, --to-version, --throttle and --audit-id as given, leaving their checks to the function', () => {
    // Act
    const all = fleetRequest('disable', { all: true, throttle: true, reason: 'stop' }, 'cli:a@b');
    const one = fleetRequest('rollback', { workload: ['orders'], toVersion: '7', reason: 'r' }, 'cli:a@b');
    const undo = fleetRequest('undo', { auditId: AUDIT_ID, workload: ['orders'], reason: 'r' }, 'cli:a@b');

    // Assess
    expect(all).toEqual({ actor: 'cli:a@b', action: 'disable', all: true, throttle: true, reason: 'stop' });
    expect(one).toMatchObject({ workloads: ['orders'], toVersion: '7' });
    expect(undo).toEqual({
      actor: 'cli:a@b',
      action: 'undo',
      workloads: ['orders'],
      auditId: AUDIT_ID,
      reason: 'r',
    });
  });

  it('reads the whole fleet when status is given no selector (an account still narrows it), not a run', () => {
    // Act
    const bare = fleetRequest('status', {}, 'cli:a@b');
    const account = fleetRequest('status', { account: ['self'] }, 'cli:a@b');
    const run = fleetRequest('status', { auditId: AUDIT_ID }, 'cli:a@b');
    const change = fleetRequest('rollback', { reason: 'r' }, 'cli:a@b');

    // Assess
    expect(bare).toEqual({ actor: 'cli:a@b', action: 'status', all: true });
    expect(account).toEqual({ actor: 'cli:a@b', action: 'status', all: true, accounts: ['self'] });
    expect(run).toEqual({ actor: 'cli:a@b', action: 'status', auditId: AUDIT_ID });
    expect(change).not.toHaveProperty('all');
  });

  it.each([
    ['team', 'must be KEY=VALUE'],
    ['=payments', 'must be KEY=VALUE'],
  ])('refuses --tag %s, naming --tag', (pair, message) => {
    // Act
    const refuse = () => parseTags([pair]);

    // Assess
    expect(refuse).toThrow(FleetArgumentError);
    expect(refuse).toThrow(/^--tag /);
    expect(refuse).toThrow(message);
  });

  it('refuses one tag key with two values, and keeps a value that itself holds "="', () => {
    // Act
    const refuse = () => parseTags(['team=payments', 'team=risk']);

    // Assess
    expect(refuse).toThrow('--tag team is given twice');
    expect(parseTags(['expr=a=b', 'team=payments', 'team=payments'])).toEqual({
      expr: 'a=b',
      team: 'payments',
    });
  });

  it('asks GET /fleet/status with the selector as query parameters, and POSTs an action without action or actor', () => {
    // Prepare
    const status = fleetRequest(
      'status',
      { workload: ['a', 'b'], tag: ['team=payments', 'tier=1'], account: ['self'], deployedSince: '2h' },
      'cli:a@b',
    );
    const drain = fleetRequest('drain', { all: true, reason: 'downstream back' }, 'cli:a@b');

    // Act
    const get = fleetAction(status);
    const post = fleetAction(drain);

    // Assess
    expect(fleetStatusQuery(status)).toEqual({
      workloads: 'a,b',
      tag: 'team=payments,tier=1',
      accounts: 'self',
      deployedSince: '2h',
    });
    expect(get).toMatchObject({
      logicalId: 'FleetFunction',
      route: { method: 'GET', path: '/fleet/status' },
    });
    expect(post).toEqual({
      logicalId: 'FleetFunction',
      route: { method: 'POST', path: '/fleet/drain' },
      request: drain,
      apiBody: { actor: 'cli:a@b', all: true, reason: 'downstream back' },
    });
  });
});

describe('runbook fleet: what it refuses before anything is sent', () => {
  let stderr: ReturnType<typeof vi.spyOn>;
  const written = (spy: ReturnType<typeof vi.spyOn>) =>
    spy.mock.calls.map((call: unknown[]) => String(call[0])).join('');
  const fetch = vi.fn();
  const deps = {
    fetch: fetch as unknown as typeof globalThis.fetch,
    region: 'eu-west-1',
    credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
  };

  beforeEach(() => {
    fetch.mockReset();
    answers.length = 0;
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    setOutputMode({ json: true, verbose: false });
  });
  afterEach(() => vi.restoreAllMocks());

  it('refuses a malformed --tag (no =) with exit 1 as every flag the CLI refuses itself, naming --tag, and calls nothing', async () => {
    // Act
    const code = await runCli(
      ['fleet', 'rollback', '--tag', 'team', '--reason', 'bad layer', '--yes', '--api-url', API],
      deps,
    );
    const onStatus = await runCli(['fleet', 'status', '--tag', 'team', '--api-url', API], deps);

    // Assess
    expect([code, onStatus]).toEqual([1, 1]);
    expect(written(stderr)).toContain('runbook: --tag must be KEY=VALUE');
    expect(fetch).not.toHaveBeenCalled();
    expect(answers).toEqual([]);
  });

  it('refuses --all without --yes when stdin is not a terminal, in a sentence, and calls nothing', async () => {
    // Act
    const code = await runCli(
      ['fleet', 'rollback', '--all', '--reason', 'bad layer', '--api-url', API],
      deps,
    );

    // Assess
    expect(code).toBe(1);
    expect(written(stderr)).toContain(
      'runbook: --all rolls back every watched workload: pass --yes to confirm it when stdin is not a terminal (nothing was sent)',
    );
    expect(fetch).not.toHaveBeenCalled();
  });

  it('refuses any change without --yes when stdin is not a terminal, but runs a dry run and status', async () => {
    // Prepare
    fetch.mockImplementation(async () => new Response(JSON.stringify({ ok: true, selected: 0 })));

    // Act
    const change = await runCli(
      ['fleet', 'undo', '--audit-id', AUDIT_ID, '--reason', 'layer fixed', '--api-url', API],
      deps,
    );
    const dryRun = await runCli(
      ['fleet', 'drain', '--all', '--reason', 'r', '--dry-run', '--api-url', API],
      deps,
    );
    const status = await runCli(['fleet', 'status', '--all', '--api-url', API], deps);

    // Assess
    expect(change).toBe(1);
    expect(written(stderr)).toContain('pass --yes to undo without confirmation (nothing was sent)');
    expect([dryRun, status]).toEqual([0, 0]);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('without a terminal, names what the function would refuse before asking for --yes, and calls nothing', async () => {
    // Act: no reason; then a reason the function finds too short
    const noReason = await runCli(['fleet', 'undo', '--audit-id', AUDIT_ID, '--api-url', API], deps);
    const short = await runCli(
      ['fleet', 'rollback', '--workload', 'orders', '--reason', 'r', '--api-url', API],
      deps,
    );

    // Assess: the function's own refusal (exit 2, the field named), as --yes would have had it answered
    expect([noReason, short]).toEqual([2, 2]);
    expect(answers.map((answer) => JSON.parse(answer).error.field)).toEqual(['reason', 'reason']);
    expect(written(stderr)).not.toContain('pass --yes');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('sends the signed POST /fleet/<action> with the selectors in the body, and exits 2 on a refusal', async () => {
    // Prepare
    fetch.mockImplementation(
      async () =>
        new Response(
          JSON.stringify({ ok: false, error: { code: 'ValidationError', message: 'no', field: 'tags' } }),
          { status: 400 },
        ),
    );

    // Act
    const code = await runCli(
      [
        'fleet',
        'disable',
        '--tag',
        'team=payments',
        '--throttle',
        '--reason',
        'dupes',
        '--yes',
        '--api-url',
        API,
      ],
      deps,
    );

    // Assess
    expect(code).toBe(2);
    const [url, init] = fetch.mock.calls[0] as [URL, RequestInit];
    expect(String(url)).toBe(`${API}/fleet/disable`);
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual({
      tags: { team: 'payments' },
      reason: 'dupes',
      throttle: true,
    });
    expect(JSON.parse(answers.join(''))).toMatchObject({ ok: false, error: { field: 'tags' } });
  });

  it('gives the undo of the whole run and of each workload the door the answer came through', async () => {
    // Prepare
    fetch.mockImplementation(async () => new Response(JSON.stringify(rolledBack)));

    // Act
    const code = await runCli(
      ['fleet', 'rollback', '--tag', 'team=payments', '--reason', 'bad layer', '--yes', '--stack', 'prod'],
      { ...deps, cloudformation: stackWithApi(API) },
    );

    // Assess
    expect(code).toBe(0);
    const printed = JSON.parse(answers.join(''));
    expect(printed.undo).toBe(`${rolledBack.undo} --stack prod`);
    expect(printed.workloads[1].undo).toBe(`${rolledBack.workloads[1]?.undo} --stack prod`);
    expect(printed.workloads[0].undo).toBeUndefined();
  });

  it('reads GET /fleet/status with the selectors as a query', async () => {
    // Prepare
    fetch.mockImplementation(
      async () => new Response(JSON.stringify({ ok: true, selected: 0, workloads: [] })),
    );

    // Act
    const code = await runCli(
      [
        'fleet',
        'status',
        '--workload',
        'orders',
        '--account',
        'self',
        '--audit-id',
        AUDIT_ID,
        '--api-url',
        API,
      ],
      deps,
    );

    // Assess
    expect(code).toBe(0);
    const [url, init] = fetch.mock.calls[0] as [URL, RequestInit];
    expect(init.method).toBe('GET');
    expect(String(url)).toBe(`${API}/fleet/status?accounts=self&auditId=${AUDIT_ID}&workloads=orders`);
  });
});

describe('runbook fleet help', () => {
  let stdout: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it.each([[[]], [['status']], [['rollback']], [['disable']], [['enable']], [['drain']], [['undo']]])(
    '`runbook fleet %s --help` prints its usage and an example on stdout, exit 0',
    async (path) => {
      // Act
      const code = await runCli(['fleet', ...path, '--help']);

      // Assess
      expect(code).toBe(0);
      const printed = stdout.mock.calls.map((call: unknown[]) => String(call[0])).join('');
      expect(printed).toContain(`Usage: runbook fleet${path.length ? ` ${path[0]}` : ''}`);
      expect(printed).toMatch(/Example:\n {2}runbook fleet /);
    },
  );

  it('offers undo only --workload, and --to-version and --force only to rollback', async () => {
    // Act
    await runCli(['fleet', 'undo', '--help']);
    const undo = stdout.mock.calls.map((call: unknown[]) => String(call[0])).join('');
    const tagged = await runCli([
      'fleet',
      'undo',
      '--audit-id',
      AUDIT_ID,
      '--tag',
      'team=a',
      '--reason',
      'r',
    ]);
    const forced = await runCli(['fleet', 'drain', '--all', '--force', '--reason', 'r']);

    // Assess
    expect(undo).toContain('--workload <name>');
    expect(undo).not.toContain('--tag');
    expect([tagged, forced]).toEqual([1, 1]);
  });
});

/** A CloudFormation client whose one stack has the ops API at `url`. */
function stackWithApi(url: string): CloudFormationClient {
  return {
    send: async () => ({
      Stacks: [
        {
          StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/prod/1',
          Outputs: [{ OutputKey: 'OpsApiUrl', OutputValue: url }],
        },
      ],
    }),
    destroy: () => undefined,
  } as unknown as CloudFormationClient;
}

const rolledBack = {
  ok: true,
  action: 'rollback',
  auditId: AUDIT_ID,
  dryRun: false,
  selected: 3,
  counts: { succeeded: 2, unchanged: 0, planned: 0, failed: 1, skipped: 0 },
  workloads: [
    {
      workload: 'risk',
      account: '222222222222',
      outcome: 'failed',
      summary: 'failed',
      error: { code: 'NotFoundError', message: 'no known-good version of risk:live' },
    },
    {
      workload: 'orders',
      account: 'self',
      outcome: 'succeeded',
      summary: 'moved live 4 → 3 (previous published version)',
      undo: "runbook fleet rollback --workload orders --to-version 4 --reason 'undo rollback x' --force",
      restore: { kind: 'rollback', toVersion: '4' },
    },
    {
      workload: 'refunds',
      account: 'self',
      outcome: 'succeeded',
      summary: 'moved live 6 → 5 (previous published version)',
      restore: { kind: 'rollback', toVersion: '6' },
    },
  ],
  undo: `runbook fleet undo --audit-id ${AUDIT_ID} --reason 'undo fleet run ${AUDIT_ID}'`,
  notified: true,
};

describe('runbook fleet: what a person reads', () => {
  it('summarises a run: counts, a row per workload, each failure with its reason, the undo of all and of part', () => {
    // Act
    const text = fleetSummary(rolledBack);

    // Assess
    const lines = text.split('\n');
    expect(lines[0]).toBe('Fleet rollback of 3 workload(s): 2 succeeded, 1 failed.');
    expect(lines[1]).toMatch(/^ {2}WORKLOAD +ACCOUNT +OUTCOME +SUMMARY$/);
    expect(text).toMatch(/ {2}orders +self +succeeded +moved live 4 → 3 \(previous published version\)/);
    expect(text).toContain('failed: risk (222222222222): NotFoundError: no known-good version of risk:live');
    expect(text).toContain(
      `undo:  runbook fleet undo --audit-id ${AUDIT_ID} --reason 'undo fleet run ${AUDIT_ID}'`,
    );
    expect(text).toContain('(part of it: add --workload NAME, e.g. --workload orders)');
    expect(text).toContain(`audit: ${AUDIT_ID}`);
  });

  it('says a run held for approval changed nothing, and how to approve it (issue 18)', () => {
    // Act
    const text = fleetSummary({
      held: true,
      approvalId: AUDIT_ID,
      status: 'pending',
      action: 'fleet.disable',
      target: 'fleet',
      needs: ['this deployment approves every kill switch disable (ApprovalFor) (orders, risk)'],
      required: 2,
      expiresAt: '2026-11-22T16:15:01.123Z',
      approve: `runbook approve ${AUDIT_ID}`,
      reject: `runbook reject ${AUDIT_ID}`,
    });

    // Assess
    expect(text.split('\n')[0]).toBe(
      'Held for approval: nothing changed. fleet.disable on fleet needs 2 approval(s) from principals other than you, by 2026-11-22T16:15:01.123Z.',
    );
    expect(text).toContain('because this deployment approves every kill switch disable');
    expect(text).toContain(`approve:     runbook approve ${AUDIT_ID}`);
  });

  it('says a dry run changed nothing, and points at the record when the answer left workloads out', () => {
    // Act
    const text = fleetSummary({
      ...rolledBack,
      dryRun: true,
      counts: { planned: 3 },
      undo: null,
      omitted: 150,
    });

    // Assess
    expect(text.split('\n')[0]).toBe('Dry run: fleet rollback of 3 workload(s): 3 planned. Nothing changed.');
    expect(text).toContain(`150 more not listed here: runbook fleet status --audit-id ${AUDIT_ID}`);
    expect(text).not.toContain('undo:');
  });

  it('shows the plan before asking: each workload, its account and current → target, and a question with the count', () => {
    // Prepare
    const plan = {
      selected: 2,
      counts: { planned: 2 },
      workloads: [
        { workload: 'orders', account: 'self', outcome: 'planned', summary: 'would move live 4 → 3 (why)' },
        {
          workload: 'refunds',
          account: '222222222222',
          outcome: 'planned',
          summary: 'would move live 6 → 5 (why)',
        },
      ],
    };

    // Act
    const table = fleetPlan(plan);
    const all = fleetQuestion('rollback', plan, { all: true });
    const some = fleetQuestion('disable', plan, { throttle: true });
    const undo = fleetQuestion('undo', plan, { auditId: AUDIT_ID });

    // Assess
    expect(table).toContain('Plan (dry run) for 2 workload(s): 2 planned');
    expect(table).toMatch(/refunds +222222222222 +move live 6 → 5 \(why\)/);
    expect(all).toBe('Roll back ALL 2 watched workload(s) as planned above?');
    expect(some).toBe(
      'Disable the schedules of these 2 workload(s), and set their reserved concurrency to 0, as planned above?',
    );
    expect(undo).toBe(`Undo fleet run ${AUDIT_ID} on these 2 workload(s) as planned above?`);
    expect(withoutTerminal('drain', true)).toMatch(/^--all drains every watched workload: pass --yes/);
  });

  it('shows a large plan as its first 20 workloads and a count, every one with --verbose', () => {
    // Prepare
    const workloads = Array.from({ length: 45 }, (_, n) => ({
      workload: `w${n}`,
      account: 'self',
      outcome: 'planned',
      summary: `would move live ${n + 2} → ${n + 1} (previous)`,
    }));
    const plan = { selected: 45, counts: { planned: 45 }, workloads };

    // Act
    const short = fleetPlan(plan);
    const long = fleetPlan(plan, true);

    // Assess
    expect(short).toContain('w19 ');
    expect(short).not.toContain('w20 ');
    expect(short).toContain('(25 more: --verbose lists them, --json gives everything)');
    expect(long).toMatch(/w44 +self +move live 46 → 45/);
  });

  it('shows fleet status as a table: serving and weights, known-good, readiness and its first failing check', () => {
    // Prepare
    const answer = {
      ok: true,
      selected: 2,
      workloads: [
        {
          workload: 'orders',
          account: 'self',
          serving: { version: '4', weights: { '5': 0.1 } },
          rollback: { knownGood: '3', why: 'previous published version' },
          readiness: {
            ready: false,
            knownGood: '3',
            current: '4',
            checks: [
              { check: 'known-good', ok: true, detail: 'version 3' },
              { check: 'alias-unweighted', ok: false, detail: 'live sends 10% to version 5' },
            ],
          },
          schedules: { enabled: 2, disabled: 1 },
          deadLetters: [
            { queue: 'a', depth: 3 },
            { queue: 'b', depth: 4 },
          ],
          alarmsInAlarm: ['orders-errors'],
        },
        {
          workload: 'risk',
          account: '222222222222',
          serving: { version: '2', weights: {} },
          rollback: { why: 'no earlier version' },
          errors: { alarmsInAlarm: 'AccessDenied' },
        },
      ],
    };

    // Act
    const text = fleetStatusSummary(answer);

    // Assess
    expect(text.split('\n')[0]).toBe('Fleet status: 2 workload(s)');
    expect(text).toMatch(/ {2}WORKLOAD +ACCOUNT +SERVING +KNOWN-GOOD +READY +SCHEDULES +DLQ +IN ALARM/);
    expect(text).toMatch(
      /orders +self +4 \(\+5 10%\) +3 +no \(alias-unweighted\) +2 on, 1 off +7 +orders-errors/,
    );
    expect(text).toMatch(/risk +222222222222 +2 +- +- +- +- +-/);
    expect(text).toContain('not ready: orders: alias-unweighted: live sends 10% to version 5');
    expect(text).toContain('no known-good version: risk: no earlier version');
    expect(text).toContain('could not read alarmsInAlarm: risk: AccessDenied');
  });

  it('marks schedule counts read only in part as lower bounds, and says which groups were not read whole', () => {
    // Prepare
    const incomplete = { groups: ['payments-nightly'], why: 'only the first 20 pages were read' };
    const answer = {
      ok: true,
      selected: 1,
      workloads: [
        { workload: 'orders', account: 'self', schedules: { enabled: 1882, disabled: 118, incomplete } },
      ],
    };

    // Act
    const text = fleetStatusSummary(answer);

    // Assess
    expect(text).toMatch(/orders +self +- +- +- +1882\+ on, 118\+ off/);
    expect(text).toContain(
      'schedules counted in part: orders: payments-nightly: only the first 20 pages were read',
    );
    const alarms = fleetStatusSummary({
      ok: true,
      selected: 1,
      workloads: [
        {
          workload: 'orders',
          account: 'self',
          alarmsInAlarm: ['a1'],
          alarmsInAlarmIncomplete: 'more in ALARM under orders-*: only 1000 read per query',
        },
      ],
    });
    expect(alarms).toContain(
      'alarms listed in part: orders: more in ALARM under orders-*: only 1000 read per query',
    );
  });

  it('counts many alarms in ALARM in their cell, naming the first two, and names them all with --verbose', () => {
    // Prepare
    const firing = Array.from({ length: 150 }, (_, i) => `quote-stale-${i}`);
    const answer = {
      ok: true,
      selected: 1,
      workloads: [{ workload: 'quotes', account: 'self', alarmsInAlarm: firing }],
    };

    // Act
    const short = fleetStatusSummary(answer);
    const long = fleetStatusSummary(answer, true);

    // Assess
    expect(short).toMatch(/quotes +self .* 150 \(quote-stale-0, quote-stale-1, …\)$/m);
    expect(long).toContain(firing.join(', '));
  });

  it('reads back one fleet run with --audit-id: who, why, counts, every line and the undo', () => {
    // Act
    const text = fleetStatusSummary({
      ok: true,
      auditId: AUDIT_ID,
      action: 'fleet.rollback',
      at: '2026-11-22T15:45:01.123Z',
      actor: 'cli:alice@laptop',
      reason: 'bad layer',
      outcome: 'succeeded',
      counts: rolledBack.counts,
      workloads: rolledBack.workloads,
      undo: rolledBack.undo,
    });

    // Assess
    expect(text).toContain(
      `Fleet run ${AUDIT_ID}: fleet.rollback by cli:alice@laptop at 2026-11-22T15:45:01.123Z (succeeded)`,
    );
    expect(text).toContain('counts: 2 succeeded, 1 failed');
    expect(text).toMatch(/refunds +self +succeeded/);
    expect(text).toContain(`undo:  ${rolledBack.undo}`);
  });

  it('renders a refusal in one sentence, and the small cells as a person reads them', () => {
    // Act
    const refused = fleetSummary({
      ok: false,
      error: { code: 'ValidationError', message: 'no watched workload has a tag tem', field: 'tags' },
    });

    // Assess
    expect(refused).toBe('refused: ValidationError: no watched workload has a tag tem (field tags)');
    expect(countsLine({ succeeded: 0, failed: 0 })).toBe('nothing to do');
    expect(servingCell({ version: '7', weights: {} })).toBe('7');
    expect(readinessCell({ ready: true, checks: [] })).toBe('yes');
    expect(readinessCell(undefined)).toBe('-');
  });
});
