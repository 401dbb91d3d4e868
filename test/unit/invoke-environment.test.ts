// local/invoke.ts's withEnvironment: a function's variables for one invocation, and the process as it was after.
import { afterEach, describe, expect, it } from 'vitest';
import { withEnvironment } from '../../local/invoke.js';

const KEYS = ['RUNBOOK_T_SET', 'RUNBOOK_T_KEPT', 'RUNBOOK_T_NEW', 'RUNBOOK_T_ADDED'];

afterEach(() => {
  for (const key of KEYS) delete process.env[key];
});

describe('withEnvironment', () => {
  it('runs with the variables set, then puts back what was there, removes what was not, and what was added meanwhile', async () => {
    // Prepare
    process.env.RUNBOOK_T_SET = 'before';
    process.env.RUNBOOK_T_KEPT = 'untouched';
    const others = { ...process.env };

    // Act
    const seen = await withEnvironment({ RUNBOOK_T_SET: 'during', RUNBOOK_T_NEW: 'new' }, async () => {
      process.env.RUNBOOK_T_ADDED = 'by the handler';
      return { set: process.env.RUNBOOK_T_SET, added: process.env.RUNBOOK_T_NEW };
    });

    // Assess
    expect(seen).toEqual({ set: 'during', added: 'new' });
    expect(process.env.RUNBOOK_T_SET).toBe('before');
    expect(process.env.RUNBOOK_T_KEPT).toBe('untouched');
    expect('RUNBOOK_T_NEW' in process.env).toBe(false);
    expect('RUNBOOK_T_ADDED' in process.env).toBe(false);
    expect({ ...process.env }).toEqual(others);
  });

  it('leaves the process as it was when the invocation throws', async () => {
    // Prepare
    process.env.RUNBOOK_T_SET = 'before';
    const others = { ...process.env };

    // Act
    const run = withEnvironment({ RUNBOOK_T_SET: 'during', RUNBOOK_T_NEW: 'new' }, async () => {
      throw new Error('handler failed');
    });

    // Assess
    await expect(run).rejects.toThrow('handler failed');
    expect({ ...process.env }).toEqual(others);
  });
});
