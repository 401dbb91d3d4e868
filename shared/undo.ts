// The undo command an audit record and a result carry: a `runbook` command line a person pastes as is.
// One quoting rule for every action, so a reason, a name or a key is never split or expanded by the shell.

/** A flag's value: text, a bare flag (`true`), a repeated flag (a list), or left out (`undefined`, `false`). */
export type FlagValue = string | boolean | readonly string[] | undefined;

// Characters no POSIX shell treats specially: such a value is written bare, as an operator would type it.
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** The value as one shell word: bare when it is safe, otherwise single-quoted (`'` written as `'\''`). */
export function shellWord(value: string): string {
  return SHELL_SAFE.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * `runbook <subcommand> --flag value …`, flags in the order given.
 * @example runbookCommand('rollback', { function: 'trading', 'to-version': '3', reason: 'undo', force: true })
 *   // → "runbook rollback --function trading --to-version 3 --reason undo --force"
 */
export function runbookCommand(subcommand: string, flags: Record<string, FlagValue>): string {
  const words = [`runbook ${subcommand}`];
  for (const [flag, value] of Object.entries(flags)) {
    if (value === undefined || value === false) continue;
    if (value === true) words.push(`--${flag}`);
    else if (typeof value === 'string') words.push(`--${flag} ${shellWord(value)}`);
    else for (const item of value) words.push(`--${flag} ${shellWord(item)}`);
  }
  return words.join(' ');
}
