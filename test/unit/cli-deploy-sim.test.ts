// runbook deploy-sim refuses bad arguments before it starts anything (no emulator, no simulator).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deploySimCommand } from '../../cli/commands.js';

describe('runbook deploy-sim', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([
    { case: 'no --function', argv: ['--to-version', '4', '--yes'], message: '--function is required' },
    { case: 'no --to-version', argv: ['--function', 'f', '--yes'], message: '--to-version must be' },
    {
      case: '$LATEST as the version',
      argv: ['--function', 'f', '--to-version', '$LATEST', '--yes'],
      message: '--to-version must be',
    },
    {
      case: 'a bad --canary-ms',
      argv: ['--function', 'f', '--to-version', '4', '--canary-ms', 'soon', '--yes'],
      message: '--canary-ms',
    },
  ])('exits 1 naming the option for $case', async ({ argv, message }) => {
    // Prepare
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    // Act
    const code = await deploySimCommand(argv);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining(message));
  });

  it('refuses to run without a terminal unless --yes', async () => {
    // Prepare
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const tty = process.stdin.isTTY;
    process.stdin.isTTY = false;

    try {
      // Act
      const code = await deploySimCommand(['--function', 'f', '--to-version', '4']);

      // Assess
      expect(code).toBe(1);
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('pass --yes'));
    } finally {
      process.stdin.isTTY = tty;
    }
  });
});
