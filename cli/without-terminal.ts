// Without a terminal to ask on, and without --yes, a command that changes something sends nothing. Before it
// says "pass --yes", it reads the request against the function's own schema: a request the function would
// refuse (no --function, a reason too short) is named at once, with the answer and exit status the function's
// refusal has (2), instead of after a second run with --yes. The schema is loaded only on this path: a command
// that goes on to ask, or was given --yes, pays nothing for it (the function validates what it receives).
import type * as z from 'zod';
import { publicError } from '../shared/errors.js';
import { parseInput } from '../shared/validate.js';
import { refusal } from './render.js';
import { report } from './transport.js';

/** What the function's direct door does with a request before acting: throws its refusal (ValidationError). */
export type DirectCheck = (payload: Record<string, unknown>) => unknown;

/** The direct door of a function that validates its payload as is against `schema`. */
export const bySchema = (schema: () => Promise<z.ZodType>) => async (): Promise<DirectCheck> => {
  const loaded = await schema();
  return (payload) => parseInput(loaded, payload);
};

/**
 * Exit status and output for a command that would have asked: the function's refusal of `request` if it has
 * one (less `actor`, which the direct door takes off before validating), else `message` (what to pass).
 */
export async function refuseWithoutTerminal(
  message: string,
  request: Record<string, unknown>,
  check: () => Promise<DirectCheck>,
  human: (answer: unknown) => string = (answer) => refusal(answer) ?? '',
): Promise<number> {
  const { actor: _claimed, ...payload } = request;
  try {
    (await check())(payload);
  } catch (error) {
    const { statusCode, body } = publicError(error);
    if (statusCode < 500) return report({ result: { ok: false, error: body }, exitCode: 2 }, human);
  }
  process.stderr.write(`runbook: ${message}\n`);
  return 1;
}
