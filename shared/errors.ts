import { redactString } from './redact.js';

// Typed errors. A client mistake maps to a 4xx whose message names the field; anything else is a 500
// whose details go to the log and never to the caller (`expose: false`), as middy's http-errors do.

export interface ErrorBody {
  code: string;
  message: string;
  field?: string;
  /** Every field at fault, when there are several (a setting with more than one mistake). */
  fields?: string[];
}

export class RunbookError extends Error {
  readonly statusCode: number;
  readonly code: string;
  /** Whether the message may be shown to the caller. */
  readonly expose: boolean;
  readonly field?: string;

  constructor(
    message: string,
    options: { statusCode: number; code: string; field?: string; cause?: unknown; expose?: boolean },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.statusCode = options.statusCode;
    this.code = options.code;
    this.expose = options.expose ?? options.statusCode < 500;
    if (options.field !== undefined) this.field = options.field;
  }

  toBody(): ErrorBody {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

export class ValidationError extends RunbookError {
  constructor(message: string, field?: string, cause?: unknown) {
    super(message, { statusCode: 400, code: 'ValidationError', ...(field ? { field } : {}), cause });
  }
}

export class ForbiddenError extends RunbookError {
  /** `field`: what the caller must change, e.g. `event` for a request that came through the wrong door. */
  constructor(message: string, cause?: unknown, field?: string) {
    super(message, { statusCode: 403, code: 'Forbidden', cause, ...(field ? { field } : {}) });
  }
}

export class NotFoundError extends RunbookError {
  constructor(message: string, field?: string, cause?: unknown) {
    super(message, { statusCode: 404, code: 'NotFound', ...(field ? { field } : {}), cause });
  }
}

export class MethodNotAllowedError extends RunbookError {
  readonly allow: string[];
  constructor(method: string, path: string, allow: string[]) {
    super(`${method} is not allowed on ${path}; use ${allow.join(', ')}`, {
      statusCode: 405,
      code: 'MethodNotAllowed',
      field: 'method',
    });
    this.allow = allow;
  }
}

export class ConflictError extends RunbookError {
  constructor(message: string, field?: string, cause?: unknown) {
    super(message, { statusCode: 409, code: 'Conflict', ...(field ? { field } : {}), cause });
  }
}

/** The function is deployed wrong (a missing variable, a bad setting): not the caller's fault, never exposed. */
export class ConfigurationError extends RunbookError {
  constructor(message: string, cause?: unknown, options: { field?: string; expose?: boolean } = {}) {
    super(message, { statusCode: 500, code: 'ConfigurationError', cause, ...options });
  }
}

/**
 * A setting the operator declared in the stack's parameters (FREEZE_WINDOWS, WATCH_LIST) is malformed: still a
 * 500 (the caller cannot fix it), but shown, naming the setting and every field at fault — the text is the
 * stack's own configuration, no secret and no internal detail, and "internal error" would send the on-call
 * engineer to the logs for what one line can say. The message names each problem; `fields` lists them.
 */
export class SettingError extends ConfigurationError {
  readonly fields: string[];
  readonly problems: { field: string; message: string }[];
  constructor(setting: string, problems: readonly { field: string; message: string }[], cause?: unknown) {
    const each = problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ');
    super(each || `${setting} is not valid`, cause, {
      field: problems[0]?.field ?? setting,
      expose: true,
    });
    this.fields = problems.map((problem) => problem.field);
    this.problems = problems.map(({ field, message }) => ({ field, message }));
  }

  override toBody(): ErrorBody {
    return { ...super.toBody(), fields: this.fields };
  }
}

/**
 * A dependency (an AWS API, a provider) failed in a way that does not mean "nothing there": 502, never exposed.
 * Subclasses keep their own code (`ReportFailed`, `ProviderFailed`) so callers and dashboards see no change.
 */
export class DependencyError extends RunbookError {
  constructor(message: string, cause?: unknown, code = 'DependencyFailed') {
    super(message, { statusCode: 502, code, cause });
  }
}

/** The body a caller sees for any error: its own message when exposable, a generic one otherwise. */
export function publicError(error: unknown): { statusCode: number; body: ErrorBody } {
  if (error instanceof RunbookError && error.expose)
    return { statusCode: error.statusCode, body: error.toBody() };
  return {
    statusCode: 500,
    body: { code: 'InternalError', message: 'internal error; the details are in the function log' },
  };
}

/** Narrows an SDK error by its modelled exception name without importing every exception class. */
export function isAwsError(error: unknown, ...names: string[]): error is Error & { name: string } {
  return error instanceof Error && names.includes(error.name);
}

/** A short, secret-free description of a failure, fit for an operator (a result, an audit record). */
export function describe(error: unknown): string {
  const text =
    error instanceof Error
      ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`
      : String(error);
  return redactString(text).slice(0, 300);
}
