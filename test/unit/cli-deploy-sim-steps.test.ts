// runbook deploy-sim's step lines on stderr: a step that quotes a hook's reason (which may quote configured
// text, such as a freeze window's reason) shows a control character as \uXXXX, never raw to a terminal.
import { afterAll, describe, expect, it, vi } from 'vitest';

vi.mock('../../cli/local-stack.js', () => ({
  localStack: async () => ({ state: { stackName: 's' }, stop: async () => undefined }),
}));
vi.mock('../../local/codedeploy/deploy.js', () => ({
  simulateDeployment: async (_state: unknown, request: { onStep?: (text: string) => void }) => {
    request.onStep?.('BeforeAllowTraffic: hook reported Failed: frozen by "close\u001b]0;owned\u0007"');
    return { status: 'Failed', deploymentId: 'd-1', steps: [] };
  },
}));

// The CLI writes through the stream functions it found when it loaded (cli/output.ts): spied on before that.
const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
const { deploySimCommand } = await import('../../cli/commands.js');

describe('runbook deploy-sim steps', () => {
  afterAll(() => {
    stderr.mockRestore();
    stdout.mockRestore();
  });

  it('escapes control characters in a step, and still says the deployment failed (exit 2)', async () => {
    // Act
    const code = await deploySimCommand(['--function', 'f', '--to-version', '4', '--yes', '--json']);

    // Assess
    const written = stderr.mock.calls.map((call) => String(call[0])).join('');
    expect(code).toBe(2);
    expect(written).toContain(
      'deploy-sim: BeforeAllowTraffic: hook reported Failed: frozen by "close\\u001b]0;owned\\u0007"\n',
    );
    expect(written).not.toContain('\u001b');
  });
});
