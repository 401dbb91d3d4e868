import * as z from 'zod';

/** Why a person acts: what every audit record carries, 3 to 500 characters, trimmed. */
export const reasonSchema = z
  .string()
  .trim()
  .min(3, 'reason must be at least 3 characters')
  .max(500, 'reason must be at most 500 characters');

/**
 * Acting alone, without the approval the request would need: recorded and notified as break-glass (issue 18).
 * One schema for every action that can be held, so each refuses a malformed one with the same words.
 */
export const breakGlassSchema = z
  .strictObject({ reason: reasonSchema }, { error: 'breakGlass must be { reason }: say why you act alone' })
  .optional();
