import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENFORCING, freezeSummary, runFreeze, statusOf } from '../../cli/freeze.js';
import { setOutputMode } from '../../cli/output.js';

const TRADING = 'weekdays 09:25-09:45 America/New_York the 09:35 trading run';
const at = new Date('2026-03-06T14:30:00Z');
const sources = (windows: string[]) => windows.map((text, i) => ({ function: `fn-${i}`, windows: text }));

describe('runbook freeze status: the answer', () => {
  it('refuses to guess when the enforcing functions hold different windows', () => {
    expect(statusOf(sources([TRADING, TRADING, '']), at)).toMatchObject({
      ok: false,
      error: { code: 'Inconsistent', field: 'FREEZE_WINDOWS' },
    });
  });

  it('names the malformed window and field', () => {
    expect(statusOf(sources(['weekdays 09:25-09:45 Mars/Olympus']), at)).toMatchObject({
      ok: false,
      error: { code: 'ConfigurationError', field: 'FREEZE_WINDOWS[0].zone' },
    });
  });

  it('names every malformed window and its field, not only the first', () => {
    // Act
    const answer = statusOf(
      sources([
        `${TRADING}; 2026-12-24T12:00Z/ no end; daily 09:00-10:00 Mars/Olympus; funday 25:00-26:00 UTC`,
      ]),
      at,
    );

    // Assess
    expect(answer).toMatchObject({
      ok: false,
      error: {
        code: 'ConfigurationError',
        field: 'FREEZE_WINDOWS[1].end',
        fields: ['FREEZE_WINDOWS[1].end', 'FREEZE_WINDOWS[2].zone', 'FREEZE_WINDOWS[3].days'],
      },
    });
    const text = freezeSummary(answer);
    expect(text).toContain('FREEZE_WINDOWS[1].end: the window has no end');
    expect(text).toContain('FREEZE_WINDOWS[2].zone: unknown time zone "Mars/Olympus"');
    expect(text).toContain('FREEZE_WINDOWS[3].days: expected daily, weekdays');
  });

  it('says on a terminal that it is frozen, until when, by which window, and what is next', () => {
    // Act
    const text = freezeSummary(statusOf(sources([TRADING, TRADING, TRADING]), at));

    // Assess
    expect(text).toContain('FROZEN at 2026-03-06T14:30:00.000Z until 2026-03-06T14:45:00.000Z');
    expect(text).toMatch(
      /\[0\]\s+2026-03-06T14:25:00.000Z\s+2026-03-06T14:45:00.000Z\s+the 09:35 trading run/,
    );
    expect(text).toContain('Next window: [0]  2026-03-09T13:25:00.000Z');
    expect(text).toContain('read from  fn-0, fn-1, fn-2');
  });
});

describe('runbook freeze status: a window across midnight', () => {
  const OVERNIGHT = 'weekdays 22:00-02:00 America/New_York overnight batch';

  it("says after midnight that Friday night's window is in force until Saturday 02:00, then names the next", () => {
    // Act: Saturday 2026-03-07, 01:30 in New York (EST)
    const text = freezeSummary(statusOf(sources([OVERNIGHT]), new Date('2026-03-07T06:30:00Z')));

    // Assess
    expect(text).toContain('FROZEN at 2026-03-07T06:30:00.000Z until 2026-03-07T07:00:00.000Z');
    expect(text).toMatch(/\[0\]\s+2026-03-07T03:00:00.000Z\s+2026-03-07T07:00:00.000Z\s+overnight batch/);
    // Monday 22:00 EDT (New York moved to summer time on Sunday 2026-03-08)
    expect(text).toContain('Next window: [0]  2026-03-10T02:00:00.000Z  2026-03-10T06:00:00.000Z');
  });

  it('on Sunday evening, names Monday night as the next window', () => {
    expect(statusOf(sources([OVERNIGHT]), new Date('2026-03-08T23:00:00Z'))).toMatchObject({
      ok: true,
      frozen: false,
      next: { index: 0, start: '2026-03-10T02:00:00.000Z', end: '2026-03-10T06:00:00.000Z' },
    });
  });

  it('refuses a window that ends when it starts, naming its field', () => {
    expect(statusOf(sources(['daily 02:00-02:00 UTC']), at)).toMatchObject({
      ok: false,
      error: { code: 'ConfigurationError', field: 'FREEZE_WINDOWS[0].end' },
    });
  });
});

describe('runbook freeze status --stack', () => {
  const lambda = mockClient(LambdaClient);
  const cloudformation = mockClient(CloudFormationClient);

  beforeEach(() => {
    lambda.reset();
    cloudformation.reset();
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    setOutputMode({ json: true, verbose: false });
  });
  afterEach(() => vi.restoreAllMocks());

  it("reads the windows from the deployed enforcing functions' configuration, and invokes nothing", async () => {
    // Prepare
    cloudformation.on(DescribeStackResourceCommand).callsFake((input) => ({
      StackResourceDetail: { PhysicalResourceId: `prod-${input.LogicalResourceId}` },
    }));
    lambda
      .on(GetFunctionConfigurationCommand)
      .resolves({ Environment: { Variables: { FREEZE_WINDOWS: TRADING } } });
    const clients = {
      lambda: new LambdaClient({ region: 'us-east-1' }),
      cloudformation: new CloudFormationClient({ region: 'us-east-1' }),
    };

    // Act
    const code = await runFreeze({ args: [], stack: 'prod', at: '2026-03-06T14:30:00Z' }, clients);

    // Assess
    expect(code).toBe(0);
    expect(
      cloudformation.commandCalls(DescribeStackResourceCommand).map((call) => call.args[0].input),
    ).toEqual(ENFORCING.map((logicalId) => ({ StackName: 'prod', LogicalResourceId: logicalId })));
    expect(lambda.calls().map((call) => call.args[0].input)).toEqual(
      ENFORCING.map((logicalId) => ({ FunctionName: `prod-${logicalId}` })),
    );
  });
});
