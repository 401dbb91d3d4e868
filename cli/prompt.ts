// What every mutating command asks of the person at the terminal, and how it names them in the audit trail.
import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { escapeUnsafe } from './output.js';

/** Who is asking, for the direct door (which cannot know): `cli:<user>@<host>`. The API door uses IAM's answer. */
export function cliActor(): string {
  return `cli:${userInfo().username}@${hostname()}`;
}

/**
 * Asks on stderr (stdout carries only the answer) and accepts y or yes. Ctrl-C or Ctrl-D at the question is a no,
 * as "n" is: the command then says that nothing changed, rather than dying on readline's "Aborted with Ctrl+C".
 */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const left = new AbortController();
  rl.once('SIGINT', () => left.abort());
  rl.once('close', () => left.abort());
  try {
    // The question carries what a plan read (names, a reason): shown inert, as every summary is.
    const answer = await rl.question(`${escapeUnsafe(question, '\n')} [y/N] `, { signal: left.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch (error) {
    if (!left.signal.aborted) throw error;
    return false;
  } finally {
    rl.close();
  }
}
