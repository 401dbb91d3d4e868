// A peek's sample bodies, redacted with the rules the logs use (shared/redact.ts) before they leave the
// function (issue 13, point 2): a sensitive key loses its value at any depth, a secret-shaped string is masked,
// a JSON document inside a string is read and redacted too, and a body that is not JSON has its `key=value`
// and `key: value` pairs with a sensitive key masked. Redaction comes before truncation, so a cut never
// reveals the start of a secret the whole value would have masked.
import { isSensitiveKey, REDACTED, redactString } from '../../shared/redact.js';
import { isObject } from '../../shared/validate.js';

const MAX_DEPTH = 20;

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

// `password=hunter2`, `"apiKey": "x"` in a non-JSON text, `Authorization: Basic abc`: the value up to the next
// separator (or, after a colon, the rest of the line) is masked when the key is sensitive.
const PAIR = /([A-Za-z0-9_.-]{2,64})(\s*[=:]\s*)("[^"]*"|'[^']*'|[^&;,\s]+(?:[ \t]+[^&;,\s]+)*)/g;

function redactText(text: string): string {
  const masked = text.replace(PAIR, (whole, key: string, separator: string) =>
    isSensitiveKey(key) ? `${key}${separator}${REDACTED}` : whole,
  );
  return redactString(masked);
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    const parsed = depth < MAX_DEPTH ? parseJson(value) : { ok: false as const };
    return parsed.ok ? JSON.stringify(redactValue(parsed.value, depth + 1)) : redactText(value);
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        isSensitiveKey(key) && item !== null && typeof item !== 'boolean'
          ? REDACTED
          : depth < MAX_DEPTH
            ? redactValue(item, depth + 1)
            : REDACTED,
      ]),
    );
  }
  return value;
}

/** The first `maxChars` characters of a body with its secrets masked, and whether anything was masked. */
export function sampleBody(body: string, maxChars: number): { body: string; redacted: boolean } {
  const parsed = parseJson(body);
  const clean = parsed.ok ? JSON.stringify(redactValue(parsed.value, 0)) : redactText(body);
  return { body: clean.slice(0, maxChars), redacted: clean.includes(REDACTED) };
}
