import * as z from 'zod';

/** Why a person acts: what every audit record carries, 3 to 500 characters, trimmed. */
export const reasonSchema = z
  .string()
  .trim()
  .min(3, 'reason must be at least 3 characters')
  .max(500, 'reason must be at most 500 characters');
