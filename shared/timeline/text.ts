// Escaping for the timeline's renderers. Every text of an entry may be untrusted (an actor or a reason is
// whatever a caller typed; an alarm's reason is whatever was set with SetAlarmState): it is rendered as text,
// never as markup, in HTML and in Markdown alike.

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML element content and quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML[c] as string);

/** One line: control characters and line breaks become spaces (a table row stays one row). */
export const oneLine = (text: string): string => text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ');

/**
 * Text for Markdown (GitHub's, CommonMark): HTML's characters as entities (Markdown passes raw HTML through),
 * and every character that could start emphasis, a link, code or a table cell backslash-escaped.
 */
export function escapeMarkdown(text: string): string {
  return oneLine(text)
    .replace(/[&<>]/g, (c) => HTML[c] as string)
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`);
}

/**
 * A code span holding `text` verbatim: fenced by more backticks than any run inside it. In a GFM table a `|`
 * would still end the cell, so it is escaped (GFM removes that escape inside code too).
 */
export function markdownCode(text: string): string {
  const line = oneLine(text);
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const padded = line.startsWith('`') || line.endsWith('`') ? ` ${line} ` : line;
  return `${fence}${padded.replace(/\|/g, '\\|')}${fence}`;
}
