// What reaches a person's terminal from an answer (cli/output.ts): no control or format character raw. A
// reason anyone typed, a message body or an alarm's reason cannot move the cursor, recolour, clear or reorder
// the screen of the engineer reading it; JSON mode is left as JSON.stringify writes it.
import { afterEach, describe, expect, it, vi } from 'vitest';

const HOSTILE = 'stop \u001b[2J\u001b]0;owned\u0007 now\r\u202eesrever\u2028next';

describe('the CLI output a person reads', () => {
  afterEach(() => vi.restoreAllMocks());

  it('shows every control and format character of a summary as \\uXXXX, its line breaks kept', async () => {
    // Prepare: the module binds stdout's write when loaded, so it is loaded after the spy
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    vi.resetModules();
    const output = await import('../../cli/output.js');
    output.setOutputMode({ json: false, verbose: false });

    // Act
    output.printAnswer(
      { reason: HOSTILE },
      (answer) => `Open kill switch\n  reason  ${(answer as { reason: string }).reason}`,
    );
    output.setOutputMode({ json: true, verbose: false });
    output.printAnswer({ reason: HOSTILE }, () => 'unused');

    // Assess
    const [human, json] = written;
    expect(human).toBe(
      'Open kill switch\n  reason  stop \\u001b[2J\\u001b]0;owned\\u0007 now\\u000d\\u202eesrever\\u2028next\n',
    );
    expect(human?.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029]/u);
    expect(JSON.parse(String(json))).toEqual({ reason: HOSTILE });
  });

  it('keeps only what it is told to keep', async () => {
    const { escapeUnsafe } = await import('../../cli/output.js');
    expect(escapeUnsafe('a\tb\nc')).toBe('a\\u0009b\\u000ac');
    expect(escapeUnsafe('a\tb\nc', '\n')).toBe('a\\u0009b\nc');
    expect(escapeUnsafe('plain → text, ünïcode …')).toBe('plain → text, ünïcode …');
  });

  it('writes a refusal that reached it from a transport inert on stderr too', async () => {
    // Prepare
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const { report } = await import('../../cli/transport.js');

    // Act
    const code = report({
      refused: `the API answered 403: ${HOSTILE}`,
      exitCode: 1,
      result: undefined,
    } as never);

    // Assess
    expect(code).toBe(1);
    expect(written.join('')).toContain('stop \\u001b[2J');
    expect(written.join('').replace(/\n/g, '')).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029]/u);
  });
});
