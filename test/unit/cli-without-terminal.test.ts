// Without a terminal and without --yes nothing is sent: first the request is read against the function's own
// schema, so what the function would refuse is named at once (its answer, exit 2), else the command says what
// to pass. Each command's schema, loaded only on this path.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { drainCheck } from '../../cli/dlq.js';
import { setOutputMode } from '../../cli/output.js';
import { bySchema, refuseWithoutTerminal } from '../../cli/without-terminal.js';
import { drainRequestSchema } from '../../functions/dlq-drainer/schema.js';
import { fleetRequestSchema } from '../../functions/fleet/schema.js';
import { killSwitchRequestSchema } from '../../functions/killswitch/schema.js';
import { rollbackRequestSchema } from '../../functions/rollback/schema.js';
import { revokePreviousRequestSchema } from '../../functions/secret-rotation/schema.js';

// The answer goes to the stdout cli/output.ts saved when it was loaded: capture it from before any import.
const answers = await vi.hoisted(async () => (await import('../support/stdout.js')).captureStdout());

const MESSAGE = 'stdin is not a terminal: pass --yes to act without confirmation';
const actor = 'cli:alice@laptop';

describe('refuseWithoutTerminal', () => {
  let stderr: ReturnType<typeof vi.spyOn>;

  beforeEach(() => {
    answers.length = 0;
    stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    setOutputMode({ json: true, verbose: false });
  });
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['rollback without a function', rollbackRequestSchema, { actor, reason: 'bad deploy' }, 'functionName'],
    [
      'a drain without a queue',
      drainRequestSchema,
      { actor, mode: 'drain', reason: 'incident over' },
      'queue',
    ],
    [
      'a kill switch without a selector',
      killSwitchRequestSchema,
      { actor, action: 'disable', reason: 'runaway' },
      'schedules',
    ],
    [
      'a revocation with a one-letter reason',
      revokePreviousRequestSchema,
      { actor, action: 'revokePrevious', secretId: 'api-key', reason: 'x', emergency: true },
      'reason',
    ],
    [
      'a fleet run without a reason',
      fleetRequestSchema,
      { action: 'undo', auditId: '20261122T154501123Z-3fa9c2d1' },
      'reason',
    ],
  ])(
    'names what the function would refuse in %s: its answer, exit 2, no "pass --yes"',
    async (_, schema, request, field) => {
      // Act
      const code = await refuseWithoutTerminal(
        MESSAGE,
        request,
        bySchema(async () => schema),
      );

      // Assess
      expect(code).toBe(2);
      expect(JSON.parse(answers.join(''))).toMatchObject({
        ok: false,
        error: { code: 'ValidationError', field },
      });
      expect(stderr).not.toHaveBeenCalled();
    },
  );

  it('reads a drain as the drainer’s direct door does: its mode taken off first, then the rest', async () => {
    // Act
    const valid = await refuseWithoutTerminal(
      MESSAGE,
      { actor, mode: 'drain', queue: 'orders-dlq', reason: 'incident over' },
      drainCheck,
    );
    const badMode = await refuseWithoutTerminal(
      MESSAGE,
      { actor, mode: 'purge', queue: 'orders-dlq' },
      drainCheck,
    );

    // Assess
    expect([valid, badMode]).toEqual([1, 2]);
    expect(JSON.parse(answers.join(''))).toMatchObject({ ok: false, error: { field: 'mode' } });
  });

  it('says what to pass when the function would take the request (its claimed actor is not part of it)', async () => {
    // Act
    const code = await refuseWithoutTerminal(
      MESSAGE,
      { actor, functionName: 'trading', reason: 'errors since 03:00' },
      bySchema(async () => rollbackRequestSchema),
    );

    // Assess
    expect(code).toBe(1);
    expect(answers).toEqual([]);
    expect(stderr).toHaveBeenCalledWith(`runbook: ${MESSAGE}\n`);
  });

  it('on a terminal-less human output, prints the refusal as a sentence', async () => {
    // Prepare
    setOutputMode({ json: false, verbose: false });

    // Act
    const code = await refuseWithoutTerminal(
      MESSAGE,
      { actor, reason: 'bad deploy' },
      bySchema(async () => rollbackRequestSchema),
    );

    // Assess
    expect(code).toBe(2);
    expect(answers.join('')).toBe(
      'refused: ValidationError: functionName: functionName is required (field functionName)\n',
    );
  });
});
