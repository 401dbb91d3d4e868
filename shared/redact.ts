// Keeps secrets out of logs. Applied as the logger's JSON replacer, so it sees every key and value logged.

const sensitiveKey = /pass(word)?|secret|token|api[-_]?key|authorization|credential|private[-_]?key|session/i;
// Keys that merely mention a sensitive word but name no secret (an id, a count, a time).
const harmlessKey = /(id|ids|arn|name|count|stage|stages|at|time|enabled|length|type)$/i;
const secretValue = [
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, // AWS access key ids
  // AWS secret access key shape: 40 base64 characters with both cases (a 40-hex git sha is not one).
  /(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

export const REDACTED = '[REDACTED]';

export function isSensitiveKey(key: string): boolean {
  return sensitiveKey.test(key) && !harmlessKey.test(key);
}

export function redactString(value: string): string {
  return secretValue.reduce((text, pattern) => text.replace(pattern, REDACTED), value);
}

/** A JSON.stringify replacer: sensitive keys lose their values, secret-shaped strings are masked. */
export function redactReplacer(key: string, value: unknown): unknown {
  if (
    key !== '' &&
    isSensitiveKey(key) &&
    value !== null &&
    value !== undefined &&
    typeof value !== 'boolean'
  ) {
    return REDACTED;
  }
  if (typeof value === 'string') return redactString(value);
  return value;
}

/** A deep copy with secrets removed, for anything that leaves the function (audit records, notifications). */
export function redact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, redactReplacer) ?? 'null') as T;
}
