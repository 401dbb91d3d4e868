import { type ErrorBody, RunbookError } from '../../shared/errors.js';

/**
 * The step as the event gave it, for a message: any JSON value, including one String() cannot convert
 * (`{"toString": null}` throws a TypeError, which would replace the step's own error).
 */
function stepOf(step: unknown): string {
  if (typeof step === 'string') return step;
  try {
    return JSON.stringify(step) ?? typeof step;
  } catch {
    return typeof step;
  }
}

/**
 * A rotation step that did not succeed: its code and message, never a value of the secret. Thrown (not
 * answered as `{ ok: false }`), because Secrets Manager reads only success or a function error: it then marks
 * the rotation failed and retries it, leaving AWSCURRENT where it was.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot_rotation.html
 */
export class RotationStepError extends RunbookError {
  constructor(
    readonly step: unknown,
    readonly error: ErrorBody,
  ) {
    const field = error.field ? ` (${error.field})` : '';
    super(`${stepOf(step)} failed: ${error.code}: ${error.message}${field}`, {
      statusCode: 500,
      code: 'RotationStepFailed',
    });
  }
}
